package auth

import (
	"errors"
	"testing"
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
