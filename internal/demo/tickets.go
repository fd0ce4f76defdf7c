package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mproc"
)

// The seeds' 抢票 (ticket grabbing): a JSON file, data.json, is the
// "database" holding the number of tickets left. Every buyer process looks
// (search), then buys: it reads the file, and if a ticket is left it takes
// one, waits for the "network", and writes the file back. Without a lock,
// buyers read the same number before any of them writes, and more tickets
// are sold than there are. With the lock around buy, exactly the stock is
// sold.

const (
	ticketStock  = 5
	ticketBuyers = 20
)

type ticketDB struct {
	Number int `json:"number"`
}

type buyerArg struct {
	Console string
	DB      string         // the path of data.json
	Open    *mproc.Barrier // the sale opens once every buyer has looked, so that they all race
	Lock    *mproc.Lock    // nil: buy without the lock
}

// buyerTask is the seed's run(name, lock): search, then buy under the lock.
// It reports whether this buyer got a ticket.
var buyerTask = mproc.Register[buyerArg, bool]("demo.tickets.buyer", func(ctx context.Context, a buyerArg) (bool, error) {
	name := mproc.Current().Name()
	// 1. search: every buyer may look at once.
	db, err := readTickets(a.DB)
	if err != nil {
		return false, err
	}
	say(a.Console, "  用户【%s】查看余票, 余票还剩: %d", name, db.Number)
	if _, err := a.Open.Wait(ctx); err != nil {
		return false, fmt.Errorf("waiting for the sale to open: %w", err)
	}
	// 2. buy, under the lock if there is one.
	if a.Lock != nil {
		if err := a.Lock.LockContext(ctx); err != nil && !errors.Is(err, mproc.ErrOwnerDead) {
			return false, err
		}
		defer a.Lock.Unlock()
	}
	return buyTicket(a.DB, a.Console, name)
})

// buyTicket is the seed's buy(name): read, check, take one, network delay,
// write back.
func buyTicket(path, console, name string) (bool, error) {
	db, err := readTickets(path)
	if err != nil {
		return false, err
	}
	if db.Number <= 0 {
		say(console, "  用户【%s】抢票失败! (the file says %d left)", name, db.Number)
		return false, nil
	}
	db.Number--
	time.Sleep(time.Duration(5+rand.IntN(16)) * time.Millisecond) // the seed's network delay, scaled down
	if err := writeTickets(path, db); err != nil {
		return false, err
	}
	say(console, "  用户【%s】抢票成功! (wrote number=%d)", name, db.Number)
	return true, nil
}

func readTickets(path string) (ticketDB, error) {
	var db ticketDB
	b, err := os.ReadFile(path)
	if err != nil {
		return db, err
	}
	if err := json.Unmarshal(b, &db); err != nil {
		return db, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

// writeTickets replaces the file in one step (a new file renamed over the
// old), so that a reader never sees it half-written: the race shown here is
// the lost update between read and write, not a torn file.
func writeTickets(path string, db ticketDB) error {
	b, err := json.Marshal(db)
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func init() {
	add(Demo{
		Name:  "tickets",
		Title: "抢票: buyers oversell tickets from a JSON file without a Lock; with one, exactly the stock is sold",
		Intro: fmt.Sprintf("The seeds' ticket grabbing. data.json holds {\"number\": %d}. %d buyer processes each search "+
			"(read the file and print what is left), then buy: read the file, and if a ticket is left, take one, wait "+
			"for the network (5-20 ms), and write the file back. The sale opens for all of them at once (a Barrier). "+
			"Without a lock they all read the same number before anyone writes, and every one of them \"succeeds\": "+
			"tickets are oversold. With a Lock around buy (lock.acquire(); buy(name); lock.release()), the buyers take "+
			"turns, and exactly %d tickets are sold.", ticketStock, ticketBuyers, ticketStock),
		Run: stage(runTickets),
	})
}

func runTickets(ctx context.Context, con *console, started *[]*mproc.Process) error {
	dir, err := os.MkdirTemp("", "mproc-tickets-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "data.json")

	con.Printf("1. Without a lock: %d buyers, %d tickets in %s", ticketBuyers, ticketStock, path)
	sold1, left1, err := ticketSale(ctx, con, started, path, false)
	if err != nil {
		return err
	}
	if sold1 > ticketStock {
		con.Printf("   Sold without the lock: %d tickets of %d: oversold by %d, and the file still says %d left.",
			sold1, ticketStock, sold1-ticketStock, left1)
	} else {
		con.Printf("   Sold without the lock: %d tickets of %d; the file says %d left. This time the buyers happened not "+
			"to oversell: without a lock it is a matter of timing.", sold1, ticketStock, left1)
	}

	con.Printf("\n2. With a shared mproc.Lock around buy: the same %d buyers, %d tickets", ticketBuyers, ticketStock)
	sold2, left2, err := ticketSale(ctx, con, started, path, true)
	if err != nil {
		return err
	}
	con.Printf("   Sold with the lock: %d tickets of %d; the file says %d left.", sold2, ticketStock, left2)
	if sold2 != ticketStock || left2 != 0 {
		return fmt.Errorf("tickets: with the lock %d tickets were sold and the file says %d left; want %d sold and 0 left",
			sold2, left2, ticketStock)
	}
	con.Printf("\nSold: without the lock %d, with the lock %d (the stock is %d).", sold1, sold2, ticketStock)
	return nil
}

// ticketSale fills the file with the stock, runs every buyer, and returns
// how many got a ticket and what the file says at the end.
func ticketSale(ctx context.Context, con *console, started *[]*mproc.Process, path string, locked bool) (sold, left int, err error) {
	if err := writeTickets(path, ticketDB{Number: ticketStock}); err != nil {
		return 0, 0, err
	}
	open, err := mproc.NewBarrier(ticketBuyers, mproc.WithBarrierTimeout(5*time.Second))
	if err != nil {
		return 0, 0, err
	}
	var lock *mproc.Lock
	if locked {
		if lock, err = mproc.NewLock(); err != nil {
			return 0, 0, err
		}
	}
	buyers := make([]*mproc.Proc[bool], ticketBuyers)
	for i := range buyers {
		p, err := buyerTask.Start(ctx, buyerArg{Console: con.path, DB: path, Open: open, Lock: lock},
			mproc.WithName(fmt.Sprintf("jason%d", i)))
		if err != nil {
			return 0, 0, err
		}
		*started = append(*started, p.Process)
		buyers[i] = p
	}
	var winners []string
	for _, p := range buyers {
		ok, err := p.Wait(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("tickets: buyer %v: %w", p, err)
		}
		if ok {
			winners = append(winners, p.Name())
		}
	}
	db, err := readTickets(path)
	if err != nil {
		return 0, 0, err
	}
	con.Printf("   Buyers who got a ticket: %s", strings.Join(winners, ", "))
	return len(winners), db.Number, nil
}
