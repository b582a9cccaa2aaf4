package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// outputFile is one file a command writes into an output folder.
type outputFile struct {
	name string // base name inside the folder
	data []byte
}

// writeFiles writes files into dir, creating dir when missing. Each file is
// first written to a hidden temporary file in dir and the temporaries are
// renamed into place only once all of them were written, so a failure
// leaves no partial file behind.
func writeFiles(dir string, files []outputFile) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("无法创建输出目录 / creating the output folder: %w", err)
	}
	temps := make([]string, 0, len(files))
	defer func() {
		if err != nil {
			for _, t := range temps {
				_ = os.Remove(t) // already renamed ones are gone: ErrNotExist
			}
		}
	}()
	for _, f := range files {
		// A folder in the way would fail its rename after others succeeded.
		if fi, err := os.Lstat(filepath.Join(dir, f.name)); err == nil && fi.IsDir() {
			return fmt.Errorf("无法写入 %s：同名目录已存在 / cannot write %s: a folder of that name exists",
				filepath.Join(dir, f.name), filepath.Join(dir, f.name))
		}
	}
	for _, f := range files {
		t, err := writeTemp(dir, f)
		if err != nil {
			return err
		}
		temps = append(temps, t)
	}
	for i, f := range files {
		if err := os.Rename(temps[i], filepath.Join(dir, f.name)); err != nil {
			return fmt.Errorf("无法写入 / writing %s: %w", filepath.Join(dir, f.name), err)
		}
	}
	return nil
}

func writeTemp(dir string, f outputFile) (string, error) {
	tmp, err := os.CreateTemp(dir, "."+f.name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("无法创建临时文件 / creating a temporary file in %s: %w", dir, err)
	}
	_, err = tmp.Write(f.data)
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Close())
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("无法写入 / writing %s: %w", tmp.Name(), err)
	}
	return tmp.Name(), nil
}

// isTerminal reports whether w is a terminal, e.g. an interactive stderr.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgressBar returns a bar counting to total on w, shown only when w is
// a terminal: piped or redirected output stays free of control codes.
func newProgressBar(w io.Writer, total int, description string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(isTerminal(w)),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(65*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
