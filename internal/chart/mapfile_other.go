//go:build !unix

package chart

import "errors"

// mapFile is not available here: files are read.
func mapFile(string) ([]byte, error) { return nil, errors.ErrUnsupported }
