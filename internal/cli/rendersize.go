package cli

import (
	"errors"

	"github.com/rudderpm/rudder/internal/engine"
)

// maxRenderSizeEnv names the variable that changes engine.DefaultMaxRenderSize.
const maxRenderSizeEnv = "RUDDER_MAX_RENDER_SIZE"

// maxRenderSize bounds what rendering a chart may produce: RUDDER_MAX_RENDER_SIZE as
// a number of bytes, optionally with a binary suffix (512Ki, 64Mi, 1Gi), or
// engine.DefaultMaxRenderSize.
func (a *app) maxRenderSize() (int64, error) {
	return a.settings.envSize(maxRenderSizeEnv, engine.DefaultMaxRenderSize)
}

// withRenderSizeHint adds to the error of a render that produced too much how to
// raise the limit.
func withRenderSizeHint(err error) error {
	if errors.Is(err, engine.ErrRenderSize) {
		return hintError{err: err, hint: " (set " + maxRenderSizeEnv + " to raise it)"}
	}
	return err
}

// hintError is err with a hint after its message.
type hintError struct {
	err  error
	hint string
}

func (e hintError) Error() string { return e.err.Error() + e.hint }
func (e hintError) Unwrap() error { return e.err }
