package storage

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"github.com/rudderpm/rudder/internal/release"
)

// gzipMagic starts gzip data compressed with deflate, as Helm writes it.
var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// encodeRelease is a record's payload: the release as JSON, gzipped at the
// best compression and base64-encoded (standard alphabet, padded). The
// Secret driver stores these base64 bytes as the Secret's data, so on the
// wire they are base64-encoded once more.
func encodeRelease(rel *release.Release) (string, error) {
	return encodeReleaseAt(rel, gzip.BestCompression)
}

// encodeReleaseAt is encodeRelease at a gzip level of compression.
func encodeReleaseAt(rel *release.Release, level int) (string, error) {
	js, err := json.Marshal(rel)
	if err != nil {
		return "", fmt.Errorf("encode release: %w", err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(js); err != nil {
		return "", fmt.Errorf("encode release: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("encode release: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// decodeRelease reads a payload written by encodeRelease, or by any Helm 3 or
// 4: base64 of gzipped JSON, or of plain JSON (early Helm 3 did not compress).
func decodeRelease(payload []byte) (*release.Release, error) {
	js, err := decodePayload(payload)
	if err != nil {
		return nil, err
	}
	var rel release.Release
	if err := json.Unmarshal(js, &rel); err != nil {
		return nil, fmt.Errorf("decode release: %w", err)
	}
	return &rel, nil
}

// maxReleaseJSON bounds a release record once decompressed: a chart's files (at most
// 100 MiB by default), its rendered manifest and values, as JSON, fit well within it.
const maxReleaseJSON = 512 << 20

// decodePayload is the JSON inside a payload.
func decodePayload(payload []byte) ([]byte, error) {
	if len(payload) == 0 {
		return nil, fmt.Errorf("decode release: empty payload")
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(payload)))
	n, err := base64.StdEncoding.Decode(raw, payload)
	if err != nil {
		return nil, fmt.Errorf("decode release: base64: %w", err)
	}
	raw = raw[:n]
	if !bytes.HasPrefix(raw, gzipMagic) {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decode release: gzip: %w", err)
	}
	// A small record may hold a gzip bomb: decompress no more than a release can be.
	js, err := io.ReadAll(io.LimitReader(zr, maxReleaseJSON+1))
	if err != nil {
		return nil, fmt.Errorf("decode release: gzip: %w", err)
	}
	if len(js) > maxReleaseJSON {
		return nil, fmt.Errorf("decode release: more than %d MiB once decompressed", maxReleaseJSON>>20)
	}
	return js, nil
}
