package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/boxoffice/boxoffice/internal/queue"
)

// verifyDraw is `boxoffice verify-draw`: it checks an event's published
// waiting-room draw from the public API alone, as any buyer could — the
// revealed seed hashes to the commitment (the one you saved before the
// sale, when given), and the pre-queue's order is the one the seed makes.
func verifyDraw(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify-draw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://localhost:8080", "the server's base URL")
	commitment := fs.String("commitment", "", "the commitment you saw before the sale (GET /api/v1/events/ID/queue); checked when given")
	token := fs.String("token", "", "your place's token, to show your drawn position")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: boxoffice verify-draw [--url URL] [--commitment HEX] [--token TOKEN] EVENT_ID")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("verify-draw needs one event id")
	}
	var d queue.Draw
	if _, err := newClient(*base).do(ctx, "GET", "/api/v1/events/"+fs.Arg(0)+"/queue/draw", "", nil, &d); err != nil {
		return err
	}
	if *commitment != "" && *commitment != d.Commitment {
		return fmt.Errorf("the server now shows commitment %s, not the %s you saw before the sale", d.Commitment, *commitment)
	}
	if err := queue.VerifyDraw(d); err != nil {
		return fmt.Errorf("the draw does not verify: %w", err)
	}
	fmt.Fprintf(stdout, "draw of event %s verified: seed %s hashes to commitment %s, and orders its %d pre-queue places exactly as published\n",
		d.EventID, d.Seed, d.Commitment, len(d.Places))
	if *token != "" {
		me := queue.EntryID(*token)
		for _, p := range d.Places {
			if p.Entry == me {
				fmt.Fprintf(stdout, "your place (entry %s) was drawn at position %d of %d\n", me, p.Position, len(d.Places))
				return nil
			}
		}
		return fmt.Errorf("your place (entry %s) is not in the pre-queue draw", me)
	}
	return nil
}
