# Runs a command on a new pseudo-terminal, as a user's terminal would: the
# bytes on our stdin are typed into it, what it prints comes out on our
# stdout, and lines "<rows> <cols>" on fd 3 resize it (SIGWINCH follows).
# usage: pty-driver.py ROWS COLS -- ARGV...   exit status: the command's.
import fcntl, os, select, struct, sys, termios

rows, cols = int(sys.argv[1]), int(sys.argv[2])
argv = sys.argv[4:]
pid, master = os.forkpty()
if pid == 0:
    os.execvp(argv[0], argv)

def set_size(r, c):
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))

set_size(rows, cols)
inputs = [0, 3]
control = b''
status = None
while True:
    try:
        ready, _, _ = select.select([master] + inputs, [], [], 0.2)
    except InterruptedError:
        continue
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(master, data)
        else:
            inputs.remove(0)
    if 3 in ready:
        data = os.read(3, 4096)
        if not data:
            inputs.remove(3)
        control += data
        while b'\n' in control:
            line, control = control.split(b'\n', 1)
            r, c = line.split()
            set_size(int(r), int(c))
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
if status is None:
    _, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
