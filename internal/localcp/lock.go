package localcp

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFile is the file in the data folder that one running local control
// plane holds locked: etcd cannot share its data directory, and a second
// start on the same folder would otherwise wait two minutes for an etcd
// that can never come up.
const lockFile = "cunshe-local.lock"

// lockDir takes the data folder's lock, or says which process holds it. The
// kernel releases the lock when the process ends, however it ends.
func lockDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		_ = f.Close()
		pid := strings.TrimSpace(string(holder))
		return nil, fmt.Errorf("本地控制面目录 %s 正被进程 %s 使用（另一个 make run？）；请先停止它，或用 --local-dir 指定其他目录 / "+
			"the local control plane's folder %s is in use by process %s (another make run?); stop it first, or pass another --local-dir", dir, pid, dir, pid)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
