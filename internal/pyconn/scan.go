package pyconn

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"mproc/internal/wire"
)

// The scan is a pass over a pickle's opcodes before og-rek decodes it. It
// builds no value; it refuses what og-rek would get wrong or make costly,
// and what is never plain data:
//   - a list fetched again from the memo (a list shared by two places, or
//     containing itself): og-rek memoizes a list before its items are
//     appended, so the second place would silently get an empty list;
//   - LONG1 of 128 bytes or more (ints beyond 1016 bits): og-rek reads the
//     length byte as signed and would parse the digits as opcodes;
//   - a global (GLOBAL, STACK_GLOBAL) other than those CPython uses to write
//     bytes and bytearray in protocols 2 to 4, which the converter turns
//     back into bytes; og-rek would stop with a less clear error at the
//     first dict or list item set on the object;
//   - opcodes of objects, sets, extensions, persistent ids and out-of-band
//     buffers, and of Python 2 strings, which plain Python 3 data never has;
//   - DUP and POP_MARK, which CPython's pickler never writes;
//   - str and bytes fetched again from the memo beyond sharedLimit bytes in
//     all: each fetch of bytes is a copy, each fetch of a dict key a hash;
//   - decimal integers beyond CPython's 4300 digits (og-rek's parse of them
//     is quadratic), and anything after STOP.

type argKind uint8

const (
	argNone argKind = iota
	arg1            // fixed-size arguments
	arg2
	arg4
	arg8
	len1 // a little-endian length, then that many bytes
	len4
	len8
	argLine  // up to a newline
	argLine2 // two lines
)

// Opcodes the scan looks at, named as in CPython's pickle.py.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opInt            = 'I'
	opLong           = 'L'
	opGet            = 'g'
	opBinget         = 'h'
	opLongBinget     = 'j'
	opPut            = 'p'
	opBinput         = 'q'
	opLongBinput     = 'r'
	opMemoize        = 0x94
	opEmptyList      = ']'
	opList           = 'l'
	opAppend         = 'a'
	opAppends        = 'e'
	opLong1          = 0x8a
	opProto          = 0x80
	opFrame          = 0x95
	opBinunicode     = 'X'
	opShortBinunicde = 0x8c
	opBinbytes       = 'B'
	opShortBinbytes  = 'C'
	opUnicode        = 'V'
	opGlobal         = 'c'
	opStackGlobal    = 0x93
)

// args gives the argument of every opcode og-rek reads for plain data.
var args = map[byte]argKind{
	opMark: argNone, opStop: argNone, opPop: argNone, 'N': argNone, 'R': argNone,
	opAppend: argNone, opAppends: argNone, 'd': argNone, '}': argNone, 's': argNone, 'u': argNone,
	opList: argNone, opEmptyList: argNone, 't': argNone, ')': argNone, 0x85: argNone, 0x86: argNone,
	0x87: argNone, 0x88: argNone, 0x89: argNone, opStackGlobal: argNone, opMemoize: argNone,
	'K': arg1, opBinget: arg1, opBinput: arg1, opProto: arg1,
	'M': arg2,
	'J': arg4, opLongBinget: arg4, opLongBinput: arg4,
	'G': arg8, opFrame: arg8,
	opShortBinbytes: len1, opShortBinunicde: len1, opLong1: len1,
	opBinbytes: len4, opBinunicode: len4,
	opInt: argLine, opLong: argLine, 'F': argLine, opUnicode: argLine, opGet: argLine, opPut: argLine,
	opGlobal: argLine2,
	0x96:     len8, // BYTEARRAY8
}

// refused names the opcodes that plain data never has.
var refused = map[byte]string{
	'b': "BUILD (an object's state)", 'i': "INST (an object)", 'o': "OBJ (an object)",
	0x81: "NEWOBJ (an object)", 0x92: "NEWOBJ_EX (an object)", 0x82: "EXT1 (a registered extension)",
	0x83: "EXT2 (a registered extension)", 0x84: "EXT4 (a registered extension)",
	'P': "PERSID (a persistent id)", 'Q': "BINPERSID (a persistent id)",
	0x8f: "EMPTY_SET (a set)", 0x90: "ADDITEMS (a set)", 0x91: "FROZENSET (a frozenset)",
	0x97: "NEXT_BUFFER (out-of-band data)", 0x98: "READONLY_BUFFER (out-of-band data)",
	'S': "STRING (a Python 2 str)", 'T': "BINSTRING (a Python 2 str)", 'U': "SHORT_BINSTRING (a Python 2 str)",
	'2': "DUP", '1': "POP_MARK", 0x8b: "LONG4 (an int beyond 2040 bits)",
	0x8d: "BINUNICODE8 (a str over 4 GiB)", 0x8e: "BINBYTES8 (bytes over 4 GiB)",
}

// lineLimits bound the text arguments that are short in any pickle CPython
// writes (a float's repr, a memo index, a module and a name), so that no
// error message or memo key is made of megabytes.
var lineLimits = map[byte]int{'F': 64, opGet: 20, opPut: 20, opGlobal: 2 * 1024}

type slot struct {
	list bool   // a list is (or may be) what was memoized
	size int    // bytes of the str or bytes memoized, else 0
	name string // the str memoized, if short: STACK_GLOBAL's arguments
}

// globals are the only globals plain data refers to.
var globals = map[string]bool{
	"_codecs.encode": true, "__builtin__.bytes": true, "__builtin__.bytearray": true,
	"builtins.bytes": true, "builtins.bytearray": true,
}

// maxName bounds the strs the scan keeps as possible global names.
const maxName = 64

type scanner struct {
	b    []byte
	pos  int
	list bool // the top of the stack is (or may be) a list
	size int  // the top's bytes if a str or bytes
	// names are the strs of the top two values if short strs, else "".
	names [2]string
	memo  map[string]slot
	// shared counts str and bytes fetched again from the memo.
	shared, sharedLimit int
}

// scan checks a pickle as described above.
func scan(b []byte) error {
	s := &scanner{b: b, memo: map[string]slot{}, sharedLimit: 8*len(b) + 1<<20}
	for s.pos < len(b) {
		op := b[s.pos]
		at := s.pos
		s.pos++
		if op == opStop {
			if s.pos != len(b) {
				return corrupt("%d bytes after STOP", len(b)-s.pos)
			}
			return nil
		}
		if err := s.step(op); err != nil {
			return fmt.Errorf("%w (opcode %#x at byte %d)", err, op, at)
		}
	}
	return corrupt("no STOP opcode (the pickle is cut short)")
}

func (s *scanner) step(op byte) error {
	if why, ok := refused[op]; ok {
		return fmt.Errorf("%w: pyconn: the pickle holds %s, not plain data", wire.ErrUnencodable, why)
	}
	kind, ok := args[op]
	if !ok {
		return corrupt("unknown opcode")
	}
	arg, err := s.arg(op, kind)
	if err != nil {
		return err
	}
	return s.track(op, arg)
}

// arg reads the opcode's argument and returns it (for lengths, the data).
func (s *scanner) arg(op byte, kind argKind) ([]byte, error) {
	switch kind {
	case argNone:
		return nil, nil
	case arg1:
		return s.take(1)
	case arg2:
		return s.take(2)
	case arg4:
		return s.take(4)
	case arg8:
		return s.take(8)
	case argLine, argLine2:
		return s.lines(op, kind)
	}
	width := map[argKind]int{len1: 1, len4: 4, len8: 8}[kind]
	l, err := s.take(width)
	if err != nil {
		return nil, err
	}
	var n uint64
	for i := width - 1; i >= 0; i-- {
		n = n<<8 | uint64(l[i])
	}
	if n > uint64(len(s.b)-s.pos) {
		return nil, corrupt("cut short: an argument of %d bytes", n)
	}
	return s.take(int(n))
}

func (s *scanner) take(n int) ([]byte, error) {
	if n > len(s.b)-s.pos {
		return nil, corrupt("cut short: an argument of %d bytes", n)
	}
	s.pos += n
	return s.b[s.pos-n : s.pos], nil
}

func (s *scanner) lines(op byte, kind argKind) ([]byte, error) {
	start, count := s.pos, 1
	if kind == argLine2 {
		count = 2
	}
	for range count {
		nl := bytes.IndexByte(s.b[s.pos:], '\n')
		if nl < 0 {
			return nil, corrupt("cut short: a line without its newline")
		}
		s.pos += nl + 1
	}
	line := s.b[start : s.pos-1]
	if (op == opInt || op == opLong) && len(line) > maxIntDigits+2 {
		return nil, fmt.Errorf("%w: pyconn: an int of %d digits, beyond CPython's limit of %d", wire.ErrTooLarge, len(line), maxIntDigits)
	}
	if limit, ok := lineLimits[op]; ok && len(line) > limit {
		return nil, corrupt("a %d-byte argument, where CPython writes at most %d", len(line), limit)
	}
	return line, nil
}

// track follows what is on top of the stack and in the memo.
func (s *scanner) track(op byte, arg []byte) error {
	switch op {
	case opProto, opFrame:
		return nil
	case opPut, opBinput, opLongBinput, opMemoize:
		s.memo[s.memoKey(op, arg)] = slot{list: s.list, size: s.size, name: s.names[1]}
		return nil
	case opGlobal:
		if name := string(bytes.Replace(arg, []byte("\n"), []byte("."), 1)); !globals[name] {
			return refusedGlobal(name)
		}
	case opStackGlobal:
		if name := s.names[0] + "." + s.names[1]; !globals[name] {
			return refusedGlobal(name)
		}
	case opGet, opBinget, opLongBinget:
		return s.get(s.memoKey(op, arg))
	case opLong1:
		if len(arg) >= 128 {
			return fmt.Errorf("%w: pyconn: an int of %d bytes; og-rek reads at most 127 (ints up to 1016 bits)", wire.ErrUnencodable, len(arg))
		}
	}
	s.names[0], s.names[1] = s.names[1], ""
	if (op == opShortBinunicde || op == opBinunicode) && len(arg) <= maxName {
		s.names[1] = string(arg)
	}
	s.list = op == opEmptyList || op == opList || op == opAppend || op == opAppends || op == opPop
	s.size = 0
	switch op {
	case opBinunicode, opShortBinunicde, opBinbytes, opShortBinbytes, 0x96, opUnicode:
		s.size = len(arg)
	}
	return nil
}

func (s *scanner) get(key string) error {
	m, ok := s.memo[key]
	if !ok {
		return corrupt("a memo key %q never put", key)
	}
	if m.list {
		return fmt.Errorf("%w: pyconn: a list appears twice in the data (shared, or containing itself), which og-rek cannot decode faithfully", wire.ErrUnencodable)
	}
	if s.shared += m.size; s.shared > s.sharedLimit {
		return fmt.Errorf("%w: pyconn: str and bytes repeated by reference add up to over %d bytes", wire.ErrTooLarge, s.sharedLimit)
	}
	s.list, s.size = false, m.size
	s.names[0], s.names[1] = s.names[1], m.name
	return nil
}

func refusedGlobal(name string) error {
	return fmt.Errorf("%w: pyconn: the pickle refers to %s (a class or function), not plain data", wire.ErrUnencodable, name)
}

// memoKey is the key og-rek files a memo entry under.
func (s *scanner) memoKey(op byte, arg []byte) string {
	switch op {
	case opBinput, opBinget:
		return strconv.Itoa(int(arg[0]))
	case opLongBinput, opLongBinget:
		return strconv.Itoa(int(binary.LittleEndian.Uint32(arg)))
	case opMemoize:
		return strconv.Itoa(len(s.memo))
	}
	return string(arg)
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: pyconn: not a pickle: %s", wire.ErrCorrupt, fmt.Sprintf(format, args...))
}
