// Command screenshots takes the README's pictures of the portal: it opens
// pages of a running portal (make run) in headless Chromium at a phone's
// width and writes full-page PNGs.
//
//	go run ./hack/tools/screenshots -url http://127.0.0.1:8088 -out docs/portal \
//	    /v/330302006044/ /v/330302006044/qr/ /
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8088", "the portal")
	out := flag.String("out", "docs/portal", "folder for the PNGs")
	width := flag.Int("width", 360, "viewport width in CSS pixels")
	maxHeight := flag.Int("max-height", 2400, "crop pages taller than this (0: whole page)")
	flag.Parse()
	if err := run(*base, *out, int64(*width), int64(*maxHeight), flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(base, out string, width, maxHeight int64, paths []string) error {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.NoSandbox)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, p := range paths {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(base+p), chromedp.Sleep(500*time.Millisecond)); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		// A page from its top, as tall as it is (up to maxHeight); a section
		// (path#anchor) as a phone shows it after following a QR code.
		if !strings.Contains(p, "#") {
			height, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollHeight`))
			if err != nil {
				return err
			}
			if maxHeight > 0 {
				height = min(height, maxHeight)
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
				return err
			}
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			return err
		}
		name := strings.Trim(strings.NewReplacer("/", "-", "?", "-", "=", "-", "#", "-").Replace(p), "-")
		if name == "" {
			name = "home"
		}
		file := filepath.Join(out, name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			return err
		}
		fmt.Println(file)
	}
	return nil
}
