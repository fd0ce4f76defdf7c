package auth

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pipeConn is one side of an in-memory pair of message queues.
type pipeConn struct {
	in  chan []byte
	out chan []byte
}

func (p pipeConn) WriteMessage(b []byte) error { p.out <- append([]byte(nil), b...); return nil }
func (p pipeConn) ReadMessage(max int) ([]byte, error) {
	b := <-p.in
	if len(b) > max {
		return nil, errors.New("too long")
	}
	return b, nil
}

func pair() (pipeConn, pipeConn) {
	a, b := make(chan []byte, 4), make(chan []byte, 4)
	return pipeConn{in: a, out: b}, pipeConn{in: b, out: a}
}

func handshake(serverKey, clientKey []byte) (serverErr, clientErr error) {
	s, c := pair()
	done := make(chan error, 1)
	go func() {
		err := Answer(c, clientKey)
		if err == nil {
			err = Challenge(c, clientKey)
		}
		done <- err
	}()
	serverErr = Challenge(s, serverKey)
	if serverErr == nil {
		serverErr = Answer(s, serverKey)
	}
	return serverErr, <-done
}

func TestSameKeyPasses(t *testing.T) {
	if s, c := handshake([]byte("key"), []byte("key")); s != nil || c != nil {
		t.Fatalf("server %v, client %v", s, c)
	}
}

func TestWrongKeyFailsBothSides(t *testing.T) {
	s, c := handshake([]byte("key"), []byte("other"))
	if !errors.Is(s, ErrAuthentication) || !errors.Is(c, ErrAuthentication) {
		t.Fatalf("server %v, client %v", s, c)
	}
}

func TestMalformedMessages(t *testing.T) {
	for _, m := range []string{"", "#CHALLENGE#", "#CHALLENGE#{sha256}short", "{sha256}" + string(make([]byte, 40))} {
		if _, err := Respond([]byte("k"), []byte(m)); !errors.Is(err, ErrAuthentication) {
			t.Errorf("Respond(%q) = %v", m, err)
		}
	}
	if err := Verify([]byte("k"), []byte("msg"), []byte("{sha256}nope")); !errors.Is(err, ErrAuthentication) {
		t.Errorf("Verify of a wrong digest = %v", err)
	}
}

// The handshake's parsers take bytes from an unauthenticated peer.
func FuzzHandshake(f *testing.F) {
	f.Add([]byte("#CHALLENGE#{sha256}0123456789012345678901234567890123456789"), []byte("{sha256}x"))
	f.Add([]byte("#FAILURE#"), []byte(""))
	f.Add([]byte("#CHALLENGE#01234567890123456789"), []byte("0123456789abcdef"))
	f.Add([]byte("#CHALLENGE#{md5}0123456789012345678901234567890123456789"), []byte("{md5}0123456789abcdef"))
	f.Fuzz(func(t *testing.T, challenge, resp []byte) {
		r, err := Respond([]byte("key"), challenge)
		if err == nil {
			msg := challenge[len(challengeTag):]
			if Verify([]byte("key"), msg, r) != nil {
				t.Fatal("a response to a valid challenge does not verify")
			}
			if Verify([]byte("other"), msg, r) == nil {
				t.Fatal("a response verified under another key")
			}
		}
		Verify([]byte("key"), challenge, resp)
	})
}

// legacyPeer answers like CPython 3.11's answer_challenge: a raw HMAC-MD5
// of everything after the tag, whatever the challenge says.
func legacyAnswer(key, challenge []byte) []byte {
	return mac(md5.New, key, challenge[len(challengeTag):])
}

func TestChallengeAcceptsLegacyMD5Answer(t *testing.T) {
	t.Parallel()
	s, c := pair()
	done := make(chan error, 1)
	go func() {
		ch := <-c.in
		c.out <- legacyAnswer([]byte("key"), ch)
		if v := <-c.in; string(v) != welcome {
			done <- fmt.Errorf("verdict %q", v)
			return
		}
		done <- nil
	}()
	if err := Challenge(s, []byte("key")); err != nil {
		t.Fatalf("Challenge refused a legacy answer: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAnswerToLegacyChallenge(t *testing.T) {
	t.Parallel()
	ch := append([]byte(challengeTag), bytes.Repeat([]byte{7}, legacyChallengeLen)...)
	r, err := Respond([]byte("key"), ch)
	if err != nil {
		t.Fatal(err)
	}
	if want := legacyAnswer([]byte("key"), ch); !bytes.Equal(r, want) || len(r) != legacyAnswerLen {
		t.Fatalf("answer %x, want the raw HMAC-MD5 %x", r, want)
	}
}

// RFC 2202 test case 1: a known HMAC-MD5, so the legacy path is checked
// against something other than this package.
func TestVerifyRFC2202(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0x0b}, 16)
	want, _ := hex.DecodeString("9294727a3638bb1c13f48ef8158bfc9d")
	if err := Verify(key, []byte("Hi There"), want); err != nil {
		t.Fatal(err)
	}
	want[0] ^= 1
	if err := Verify(key, []byte("Hi There"), want); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("a flipped bit verified: %v", err)
	}
}

func TestEveryAllowedDigest(t *testing.T) {
	t.Parallel()
	for name := range digests {
		msg := []byte("{" + name + "}" + strings.Repeat("n", 40))
		r, err := Respond([]byte("key"), append([]byte(challengeTag), msg...))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.HasPrefix(r, []byte("{"+name+"}")) {
			t.Fatalf("%s: answer %q lacks its prefix", name, r)
		}
		if err := Verify([]byte("key"), msg, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := Verify([]byte("other"), msg, r); !errors.Is(err, ErrAuthentication) {
			t.Fatalf("%s: verified under another key: %v", name, err)
		}
	}
}

func TestRefusedAnswers(t *testing.T) {
	t.Parallel()
	msg := []byte(digestTag + strings.Repeat("n", nonceLen))
	good := mac(md5.New, []byte("key"), msg)
	for _, resp := range [][]byte{
		append(good, 0, 0, 0, 0), // legacy length 20: MD5 is 16
		append([]byte("{sha1}"), mac(md5.New, []byte("key"), msg)...),
		append([]byte("{sha256"), mac(sha256.New, []byte("key"), msg)...),
		append([]byte("{sha256}"), good...), // a short digest under a long name
		[]byte("{}" + strings.Repeat("x", 32)),
	} {
		if err := Verify([]byte("key"), msg, resp); !errors.Is(err, ErrAuthentication) {
			t.Errorf("Verify(%q) = %v", resp, err)
		}
	}
	for _, ch := range []string{"#CHALLENGE#" + strings.Repeat("x", 19), "#CHALLENGE#{sha1}" + strings.Repeat("x", 40), "#CHALLENGE#{nope}" + strings.Repeat("x", 40)} {
		if _, err := Respond([]byte("k"), []byte(ch)); !errors.Is(err, ErrAuthentication) {
			t.Errorf("Respond(%q) = %v", ch, err)
		}
	}
}

// TestDigestsMatchPython checks every allowed HMAC against CPython's hmac
// module, so the names mean the same algorithms on both sides.
func TestDigestsMatchPython(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is needed in CI")
		}
		t.Skip("python3 not found; the cross-check with CPython's hmac is skipped")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name := range digests {
		msg := "{" + name + "}" + strings.Repeat("m", 40)
		out, err := exec.CommandContext(ctx, py, "-c",
			"import hmac,sys; print(hmac.new(b'k3y', sys.argv[2].encode(), sys.argv[1]).hexdigest())",
			name, msg).Output()
		if err != nil {
			t.Fatalf("%s: python3: %v", name, err)
		}
		r, err := Respond([]byte("k3y"), []byte(challengeTag+msg))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(r[len(name)+2:]); got != strings.TrimSpace(string(out)) {
			t.Errorf("%s: Go %s, Python %s", name, got, out)
		}
	}
}
