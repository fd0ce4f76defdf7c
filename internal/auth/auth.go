// Package auth is the challenge-response handshake of mproc's listeners and
// clients, CPython's scheme from multiprocessing.connection: each side proves
// it holds the shared key by answering a random challenge with an HMAC of
// it, without the key crossing. The server challenges first, then the client;
// either failure ends the connection before any message.
//
// mproc challenges the way CPython 3.12+ does ("{sha256}" and a 40-byte
// nonce) and, like 3.12, accepts the answers of older peers: CPython 3.11 and
// earlier answer any challenge with a raw 16-byte HMAC-MD5 of everything
// after "#CHALLENGE#", the "{sha256}" included. Answer copes with both kinds
// of challenge: a legacy 20-byte one gets the raw HMAC-MD5, a "{name}" one
// gets "{name}" and that HMAC.
//
// Accepting an HMAC-MD5 answer does not weaken mproc-to-mproc
// authentication. The MAC covers the whole challenge, so an active attacker
// who rewrites the challenge into a legacy one gets an answer to a message the
// real server never sent, which it refuses; and any answer, MD5 or not, takes
// the key to compute. HMAC-MD5 is still a PRF (MD5's collisions do not carry
// over to HMAC keyed with a secret), so passing it without the key is as hard
// as guessing 128 bits. What no variant of this handshake gives is protection
// of the messages after it: a man in the middle can relay the handshake and
// then read or change everything, with or without MD5.
package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

// ErrAuthentication is the error of a failed handshake, on both sides.
var ErrAuthentication = errors.New("mproc: authentication failed")

const (
	challengeTag = "#CHALLENGE#"
	welcome      = "#WELCOME#"
	failure      = "#FAILURE#"
	digestTag    = "{sha256}"
	nonceLen     = 40
	// legacyChallengeLen is the nonce length of CPython <= 3.11, whose
	// challenges carry no "{name}"; legacyAnswerLen is the length of their
	// raw HMAC-MD5 answer. A prefixed message is never this short.
	legacyChallengeLen = 20
	legacyAnswerLen    = 16
	// MaxMessage bounds every handshake message; longer ones are refused
	// unread by the framing.
	MaxMessage = 256
)

// digests are CPython's _ALLOWED_DIGESTS, by the names the peers send.
var digests = map[string]func() hash.Hash{
	"md5":      md5.New,
	"sha256":   sha256.New,
	"sha384":   sha512.New384,
	"sha3_256": func() hash.Hash { return sha3.New256() },
	"sha3_384": func() hash.Hash { return sha3.New384() },
}

// maxDigestName is the longest name in digests, which bounds the search
// for the closing brace.
const maxDigestName = len("sha3_256")

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

// Respond computes the answer to a challenge message: a raw HMAC-MD5 for a
// legacy challenge, "{name}" and an HMAC-name for a prefixed one.
func Respond(key, challenge []byte) ([]byte, error) {
	msg, ok := bytes.CutPrefix(challenge, []byte(challengeTag))
	if !ok {
		return nil, fmt.Errorf("%w: not a challenge", ErrAuthentication)
	}
	if len(msg) < legacyChallengeLen {
		return nil, fmt.Errorf("%w: challenge too short (%d bytes)", ErrAuthentication, len(msg))
	}
	name, _, err := digestOf(msg)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return mac(md5.New, key, msg), nil
	}
	return append([]byte("{"+name+"}"), mac(digests[name], key, msg)...), nil
}

// Verify checks an answer to the challenge msg, in constant time. Like
// CPython 3.12's server it takes a raw 16-byte HMAC-MD5 (a legacy peer's) or
// any allowed "{name}" digest: whichever the peer picks, it needs the key.
func Verify(key, msg, resp []byte) error {
	name, digest, err := digestOf(resp)
	if err != nil {
		return err
	}
	if name == "" {
		name = "md5"
	}
	if !hmac.Equal(digest, mac(digests[name], key, msg)) {
		return fmt.Errorf("%w: the digest received was wrong", ErrAuthentication)
	}
	return nil
}

// digestOf splits a message into its digest name and payload, as CPython's
// _get_digest_name_and_payload: a legacy-length message has no name (MD5).
func digestOf(m []byte) (name string, payload []byte, err error) {
	if len(m) == legacyChallengeLen || len(m) == legacyAnswerLen {
		return "", m, nil
	}
	if rest, ok := bytes.CutPrefix(m, []byte("{")); ok {
		if end := bytes.IndexByte(rest[:min(len(rest), maxDigestName+1)], '}'); end > 0 {
			if _, ok := digests[string(rest[:end])]; ok {
				return string(rest[:end]), rest[end+1:], nil
			}
		}
	}
	return "", nil, fmt.Errorf("%w: unsupported length, missing digest prefix or unsupported digest (%d bytes)", ErrAuthentication, len(m))
}

func mac(h func() hash.Hash, key, msg []byte) []byte {
	m := hmac.New(h, key)
	m.Write(msg)
	return m.Sum(nil)
}
