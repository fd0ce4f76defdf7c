// Package auth is the challenge-response handshake of mproc's listeners and
// clients, CPython's scheme from multiprocessing.connection: each side proves
// it holds the shared key by answering a random challenge with an
// HMAC-SHA256 of it, without the key crossing. The server challenges first,
// then the client; either failure ends the connection before any message.
package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ErrAuthentication is the error of a failed handshake, on both sides.
var ErrAuthentication = errors.New("mproc: authentication failed")

const (
	challengeTag = "#CHALLENGE#"
	welcome      = "#WELCOME#"
	failure      = "#FAILURE#"
	digestTag    = "{sha256}"
	nonceLen     = 40
	// MaxMessage bounds every handshake message; longer ones are refused
	// unread by the framing.
	MaxMessage = 256
)

// Conn is what the handshake talks over: one message each way at a time.
type Conn interface {
	WriteMessage(b []byte) error
	ReadMessage(max int) ([]byte, error)
}

// Challenge sends a challenge and checks the answer (CPython's
// deliver_challenge). Both sides learn the outcome.
func Challenge(c Conn, key []byte) error {
	nonce := make([]byte, nonceLen)
	rand.Read(nonce)
	msg := append([]byte(digestTag), nonce...)
	if err := c.WriteMessage(append([]byte(challengeTag), msg...)); err != nil {
		return err
	}
	resp, err := c.ReadMessage(MaxMessage)
	if err != nil {
		return err
	}
	if err := Verify(key, msg, resp); err != nil {
		c.WriteMessage([]byte(failure))
		return err
	}
	return c.WriteMessage([]byte(welcome))
}

// Answer answers a challenge and reads the verdict (CPython's
// answer_challenge).
func Answer(c Conn, key []byte) error {
	msg, err := c.ReadMessage(MaxMessage)
	if err != nil {
		return err
	}
	resp, err := Respond(key, msg)
	if err != nil {
		return err
	}
	if err := c.WriteMessage(resp); err != nil {
		return err
	}
	verdict, err := c.ReadMessage(MaxMessage)
	if err != nil {
		return err
	}
	if string(verdict) != welcome {
		return fmt.Errorf("%w: the digest sent was rejected", ErrAuthentication)
	}
	return nil
}

// Respond computes the answer to a challenge message.
func Respond(key, challenge []byte) ([]byte, error) {
	msg, ok := bytes.CutPrefix(challenge, []byte(challengeTag))
	if !ok || !bytes.HasPrefix(msg, []byte(digestTag)) || len(msg) != len(digestTag)+nonceLen {
		return nil, fmt.Errorf("%w: not a challenge", ErrAuthentication)
	}
	return append([]byte(digestTag), mac(key, msg)...), nil
}

// Verify checks an answer to the challenge msg, in constant time.
func Verify(key, msg, resp []byte) error {
	digest, ok := bytes.CutPrefix(resp, []byte(digestTag))
	if !ok || !hmac.Equal(digest, mac(key, msg)) {
		return fmt.Errorf("%w: the digest received was wrong", ErrAuthentication)
	}
	return nil
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}
