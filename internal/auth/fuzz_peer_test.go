package auth

import (
	"bytes"
	"errors"
	"testing"
)

// scriptedPeer is the other side of a handshake, played from a script of
// messages: what it says is the fuzzer's, whatever it is asked.
type scriptedPeer struct {
	script  [][]byte
	written [][]byte
}

var errScriptEnded = errors.New("the peer hung up")

func (p *scriptedPeer) WriteMessage(b []byte) error {
	p.written = append(p.written, append([]byte(nil), b...))
	return nil
}

func (p *scriptedPeer) ReadMessage(max int) ([]byte, error) {
	if len(p.script) == 0 {
		return nil, errScriptEnded
	}
	b := p.script[0]
	p.script = p.script[1:]
	if len(b) > max {
		return nil, ErrAuthentication // the framing refuses it unread
	}
	return b, nil
}

var fuzzKey = []byte("fuzz-key-3b8e61d0")

// checkQuiet fails if the key went out in any message.
func checkQuiet(t *testing.T, written [][]byte) {
	for _, w := range written {
		if bytes.Contains(w, fuzzKey) {
			t.Fatalf("the key went out: %q", w)
		}
	}
}

// FuzzAnswer is a hostile challenger: Answer (the client side first, the
// server side second) gets any challenge and any verdict. It may only
// succeed on a well-formed challenge answered with a welcome.
func FuzzAnswer(f *testing.F) {
	f.Add([]byte("#CHALLENGE#{sha256}0123456789012345678901234567890123456789"), []byte(welcome))
	f.Add([]byte("#CHALLENGE#{sha256}0123456789012345678901234567890123456789"), []byte(failure))
	f.Add([]byte("#CHALLENGE#{md5}0123456789012345678901234567890123456789"), []byte(welcome))
	f.Add([]byte("#CHALLENGE#"), []byte(welcome))
	f.Add([]byte("#CHALLENGE#01234567890123456789"), []byte(welcome)) // CPython <= 3.11
	f.Add([]byte("#CHALLENGE#{sha3_384}0123456789"), []byte(welcome))
	f.Add([]byte("#CHALLENGE#{sha3_256"), []byte(welcome))
	f.Add(bytes.Repeat([]byte{'#'}, MaxMessage+1), []byte(welcome))
	f.Fuzz(func(t *testing.T, challenge, verdict []byte) {
		p := &scriptedPeer{script: [][]byte{challenge, verdict}}
		err := Answer(p, fuzzKey)
		checkQuiet(t, p.written)
		_, respErr := Respond(fuzzKey, challenge)
		switch {
		case err == nil && (respErr != nil || string(verdict) != welcome):
			t.Fatalf("Answer accepted challenge %q, verdict %q", challenge, verdict)
		case err != nil && !errors.Is(err, ErrAuthentication):
			t.Fatalf("Answer: %v, want ErrAuthentication", err)
		}
		if respErr != nil && len(p.written) != 0 {
			t.Fatalf("answered a malformed challenge %q with %q", challenge, p.written)
		}
		// A legacy challenge gets the raw MD5 a CPython 3.11 server compares
		// with ==; anything else gets the "{name}" the challenge named.
		if respErr == nil && len(challenge) == len(challengeTag)+legacyChallengeLen && len(p.written[0]) != legacyAnswerLen {
			t.Fatalf("legacy challenge %q answered with %q", challenge, p.written[0])
		}
	})
}

// FuzzChallenge is a hostile answerer: Challenge gets any response. Without
// the key no response passes (the nonce is fresh each time), and the
// answerer is told so.
func FuzzChallenge(f *testing.F) {
	f.Add([]byte("{sha256}"))
	f.Add([]byte("{sha256}0123456789012345678901234567890123456789012345678901234567890123"))
	f.Add([]byte(""))
	f.Add([]byte("0123456789abcdef"))     // a legacy MD5 answer's length
	f.Add([]byte("0123456789abcdef0123")) // a legacy challenge's length
	f.Add([]byte("{md5}0123456789abcdef"))
	f.Add([]byte("{sha3_384}"))
	f.Add(bytes.Repeat([]byte{0xff}, MaxMessage+1))
	f.Fuzz(func(t *testing.T, resp []byte) {
		p := &scriptedPeer{script: [][]byte{resp}}
		err := Challenge(p, fuzzKey)
		if !errors.Is(err, ErrAuthentication) {
			t.Fatalf("Challenge with response %q: %v, want ErrAuthentication", resp, err)
		}
		checkQuiet(t, p.written)
		if len(resp) <= MaxMessage && (len(p.written) != 2 || string(p.written[1]) != failure) {
			t.Fatalf("the answerer was told %q, want the challenge and %q", p.written, failure)
		}
	})
}
