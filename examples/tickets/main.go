// Command tickets is the seeds' 抢票 (ticket grabbing): data.json holds the
// number of tickets left. Every buyer process searches (reads the file and
// prints what is left), then buys: reads the file, takes a ticket if one is
// left, waits for the "network" and writes the file back. Without a lock the
// buyers read the same number before any of them writes, and tickets are
// oversold; with lock.acquire(); buy(); lock.release(), exactly the stock is
// sold.
//
// Run it with: go run ./examples/tickets
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"mproc"
)

const (
	stock  = 3
	buyers = 10
)

type arg struct {
	DB   string         // the path of data.json
	Open *mproc.Barrier // the sale opens once every buyer has searched, so that they all race
	Lock *mproc.Lock    // nil: buy without the lock
}

// buyer is the seed's run(name, lock): search, then buy. It reports whether
// it got a ticket.
var buyer = mproc.Register[arg, bool]("tickets.buyer", func(ctx context.Context, a arg) (bool, error) {
	name := mproc.Current().Name()
	left, err := read(a.DB)
	if err != nil {
		return false, err
	}
	fmt.Printf("  %s sees %d tickets left\n", name, left)
	if _, err := a.Open.Wait(ctx); err != nil {
		return false, err
	}
	if a.Lock != nil {
		a.Lock.Lock()
		defer a.Lock.Unlock()
	}
	if left, err = read(a.DB); err != nil || left == 0 {
		return false, err
	}
	time.Sleep(10 * time.Millisecond) // the network, between reading and writing
	fmt.Printf("  %s bought a ticket\n", name)
	return true, write(a.DB, left-1)
})

func read(path string) (int, error) {
	var db struct{ Number int }
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &db)
	}
	return db.Number, err
}

// write replaces the file in one rename, so that the only race is the lost
// update between read and write, never a half-written file.
func write(path string, n int) error {
	tmp := fmt.Sprintf("%s.%d", path, os.Getpid())
	if err := os.WriteFile(tmp, fmt.Appendf(nil, `{"number": %d}`, n), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func main() {
	mproc.Main()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "tickets:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "tickets-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "data.json")

	fmt.Printf("1. without a lock: %d buyers, %d tickets\n", buyers, stock)
	sold, err := sale(ctx, db, nil)
	if err != nil {
		return err
	}
	fmt.Printf("main: sold %d of %d tickets without the lock\n", sold, stock)

	fmt.Println("2. with a shared mproc.Lock around buy")
	lock, err := mproc.NewLock()
	if err != nil {
		return err
	}
	if sold, err = sale(ctx, db, lock); err != nil {
		return err
	}
	fmt.Printf("main: sold %d of %d tickets with the lock\n", sold, stock)
	if sold != stock {
		return fmt.Errorf("with the lock %d tickets were sold, want %d", sold, stock)
	}
	return mproc.Shutdown(ctx)
}

// sale fills the file with the stock, runs every buyer and counts the sales.
func sale(ctx context.Context, db string, lock *mproc.Lock) (int, error) {
	if err := write(db, stock); err != nil {
		return 0, err
	}
	open, err := mproc.NewBarrier(buyers, mproc.WithBarrierTimeout(10*time.Second))
	if err != nil {
		return 0, err
	}
	var procs []*mproc.Proc[bool]
	for i := range buyers {
		p, err := buyer.Start(ctx, arg{DB: db, Open: open, Lock: lock}, mproc.WithName(fmt.Sprintf("jason%d", i)))
		if err != nil {
			return 0, err
		}
		procs = append(procs, p)
	}
	sold := 0
	for _, p := range procs {
		ok, err := p.Wait(ctx)
		if err != nil {
			return 0, err
		}
		if ok {
			sold++
		}
	}
	return sold, nil
}
