package wire

import (
	"reflect"

	"github.com/fxamacker/cbor/v2"
)

// Codec turns values into bytes and back. Implementations must be safe for
// concurrent use and must not panic on hostile input.
type Codec interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// Decoding limits for the default codec. Sizes are also bounded by the frame
// limit, and CBOR is checked for well-formedness before anything is
// allocated, so a short message cannot declare a huge array into existence.
const (
	MaxNesting  = 1000 // about CPython's recursion limit, which bounds what pickle can nest
	MaxElements = 1<<31 - 1
)

type cborCodec struct {
	enc cbor.EncMode
	dec cbor.DecMode
}

// CBOR is the default codec: RFC 8949 through github.com/fxamacker/cbor, with
// nesting limits and duplicate-key rejection for input from other processes.
var CBOR Codec = newCBOR()

func newCBOR() cborCodec {
	enc, err := cbor.EncOptions{
		Time:    cbor.TimeRFC3339Nano,
		TimeTag: cbor.EncTagRequired,
		// CheckType accepts encoding.TextMarshaler types (even with unexported
		// fields), so the codec must use them; by default it would not.
		TextMarshaler: cbor.TextMarshalerTextString,
		// Shared objects encode themselves as handles with MarshalBinary,
		// carried as a byte string (the default; set so it stays so).
		BinaryMarshaler: cbor.BinaryMarshalerByteString,
	}.EncMode()
	if err != nil {
		panic(err)
	}
	dec, err := cbor.DecOptions{
		MaxNestedLevels:   MaxNesting,
		MaxArrayElements:  MaxElements,
		MaxMapPairs:       MaxElements,
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		DefaultMapType:    reflect.TypeFor[map[string]any](),
		TextUnmarshaler:   cbor.TextUnmarshalerTextString,
		BinaryUnmarshaler: cbor.BinaryUnmarshalerByteString,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return cborCodec{enc: enc, dec: dec}
}

func (c cborCodec) Marshal(v any) ([]byte, error) { return c.enc.Marshal(v) }

func (c cborCodec) Unmarshal(data []byte, v any) error { return c.dec.Unmarshal(data, v) }
