# A fork server for Python code nodes. Started once by python-sandbox.ts with an empty
# environment; it imports the standard modules code nodes use, then for each request line
# {"id","workDir","resultPath","code","inputs","memoryBytes","maxOutputBytes","cpuSeconds"} on
# stdin it forks a child that runs main(**inputs) in workDir and writes its reply to resultPath
# (beside workDir, so the code neither sees nor touches it).
# It answers {"id","pid"} when the child starts and {"id","exit"} when it ends (exit < 0: the
# signal that killed it). Forking a warm interpreter costs ~1 ms; starting one costs ~15 ms.
#
# The guards in the child are in-process (an audit hook, resource limits): they stop ordinary
# code from reaching the network, spawning processes or touching files outside its work dir.
# They are not a security boundary against code written to escape CPython itself; see
# docs/workflows-sandbox.md.
import builtins
import importlib.util
import json
import os
import resource
import select
import signal
import sys
import types

# Imported here so a child finds them loaded (forked, not imported again). None of them opens
# sockets or processes.
import base64, bisect, calendar, collections, copy, dataclasses, datetime, decimal, enum  # noqa: E401,F401
import fractions, functools, hashlib, heapq, itertools, math, operator, random, re  # noqa: E401,F401
import statistics, string, textwrap, time, typing, unicodedata  # noqa: E401,F401

_BLOCKED_MODULES = frozenset(
    {
        "socket", "_socket", "ssl", "_ssl", "ctypes", "_ctypes", "_posixsubprocess", "subprocess",
        "multiprocessing", "_multiprocessing", "pty", "select", "selectors", "asyncio", "mmap",
        "http.client", "urllib.request", "ftplib", "smtplib", "telnetlib", "poplib", "imaplib",
        "resource", "signal", "fcntl", "termios",
    }
)
_BLOCKED_EVENT_PREFIXES = (
    "socket.", "ctypes.", "subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
    "os.system", "os.kill", "os.putenv", "os.unsetenv", "resource.", "sys._getframe",
    "sys.settrace", "sys.setprofile", "pty.", "_posixsubprocess", "signal.",
)
_WRITE_EVENTS = frozenset(
    {
        "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link",
        "os.symlink", "os.truncate", "os.utime", "os.chdir", "os.chflags", "os.setxattr",
        "os.removexattr", "shutil.rmtree", "shutil.copyfile", "shutil.move", "shutil.copytree",
    }
)
_LIST_EVENTS = frozenset({"os.listdir", "os.scandir"})

_stdlib_dir = os.path.realpath(os.path.dirname(os.__file__))
_work_dir = "/nonexistent"


def _load_seccomp():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python-seccomp.py")
    spec = importlib.util.spec_from_file_location("nexus_seccomp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        return module.prepare()
    except (OSError, AttributeError):
        return None


_apply_seccomp = _load_seccomp()


class Forbidden(Exception):
    pass


def _inside(path, root):
    return path == root or path.startswith(root + os.sep)


def _check_path(path, writing, what):
    if isinstance(path, int):
        return
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    resolved = os.path.realpath(os.path.join(_work_dir, str(path)))
    if _inside(resolved, _work_dir) or (not writing and _inside(resolved, _stdlib_dir)):
        return
    raise Forbidden(f"{what} '{path}' is outside the code node's working directory")


def _audit(event, args):
    if event == "import":
        name = args[0]
        if name in _BLOCKED_MODULES or name.split(".")[0] in ("socket", "ssl", "ctypes"):
            raise Forbidden(f"importing '{name}' is not allowed in the code sandbox (no network, no processes)")
        return
    if event == "open":
        path, mode = args[0], args[1]
        flags = args[2] if len(args) > 2 else 0
        writing = (mode is not None and any(c in str(mode) for c in "wax+")) or bool(
            flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND)
        )
        _check_path(path, writing, "file")
        return
    if event in _WRITE_EVENTS:
        if args:
            _check_path(args[0], True, "path")
        return
    if event in _LIST_EVENTS:
        if args and args[0] is not None:
            _check_path(args[0], False, "directory")
        return
    if event.startswith(_BLOCKED_EVENT_PREFIXES):
        raise Forbidden(f"'{event}' is not allowed in the code sandbox (no network, no processes)")


def _describe(error):
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<code>":
            line = tb.tb_lineno
        tb = tb.tb_next
    text = f"{type(error).__name__}: {error}"
    return f"{text} (line {line})" if line else text


def _vm_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _child(request):
    """Runs in the forked process; never returns."""
    global _work_dir
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    _work_dir = os.path.realpath(request["workDir"])
    os.chdir(_work_dir)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, 256)
    result_fd = os.open(request["resultPath"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def reply(payload):
        data = payload.encode()
        while data:
            data = data[os.write(result_fd, data):]
        os._exit(0)

    def fail(kind, message):
        reply(json.dumps({"ok": False, "kind": kind, "message": message}))

    max_output = int(request["maxOutputBytes"])
    memory = _vm_bytes() + int(request["memoryBytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(request["cpuSeconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    file_limit = max(16 << 20, max_output + (64 << 10))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))
    sys.stdout = sys.stderr
    if _apply_seccomp is not None:
        _apply_seccomp()
    # Loaded for the server itself: a fresh import by user code now goes through the audit hook.
    for name in list(sys.modules):
        if name in ("resource", "select", "signal", "nexus_seccomp") or name.split(".")[0] in ("ctypes", "_ctypes"):
            del sys.modules[name]
    user_module = types.ModuleType("__main__")
    user_module.__builtins__ = builtins
    sys.modules["__main__"] = user_module
    sys.addaudithook(_audit)
    code, inputs = request["code"], request["inputs"]
    del request

    try:
        compiled = compile(code, "<code>", "exec")
    except SyntaxError as error:
        fail("syntax", f"SyntaxError: {error.msg} (line {error.lineno})")
    namespace = user_module.__dict__
    try:
        exec(compiled, namespace)
        entry = namespace.get("main")
        if not callable(entry):
            fail("no_main", "the code must define a function main(...)")
        result = entry(**inputs)
    except MemoryError:
        fail("memory", "memory limit exceeded")
    except Forbidden as error:
        fail("forbidden", f"{error}")
    except BaseException as error:  # noqa: BLE001 - any failure of user code is reported, SystemExit too
        cause = error
        while cause is not None and not isinstance(cause, Forbidden):
            cause = cause.__context__
        fail("forbidden" if cause else "runtime", f"{cause}" if cause else _describe(error))

    if not isinstance(result, dict):
        fail("not_object", f"main() must return a dict, got {type(result).__name__}")
    try:
        payload = json.dumps({"ok": True, "result": result}, ensure_ascii=False, allow_nan=False)
    except MemoryError:
        fail("memory", "memory limit exceeded while serializing the result")
    except (TypeError, ValueError) as error:
        fail("not_serializable", f"main() returned a value that is not JSON: {error}")
    size = len(payload.encode())
    if size > max_output:
        fail("output_too_large", f"the result is {size} bytes of JSON, more than the limit of {max_output}")
    reply(payload)


def _send(message):
    data = (json.dumps(message) + "\n").encode()
    try:
        while data:
            data = data[os.write(1, data):]
    except BrokenPipeError:
        os._exit(0)  # the server went away


def serve():
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    # A handler (not SIG_DFL) so SIGCHLD reaches the wakeup pipe and wakes select().
    signal.signal(signal.SIGCHLD, lambda _signal, _frame: None)
    children = {}
    pending = b""
    _send({"ready": True})

    def reap():
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            request_id = children.pop(pid, None)
            if request_id is not None:
                _send({"id": request_id, "exit": os.waitstatus_to_exitcode(status)})

    while True:
        ready, _, _ = select.select([0, wake_read], [], [])
        if wake_read in ready:
            try:
                while os.read(wake_read, 4096):
                    pass
            except BlockingIOError:
                pass
        if 0 in ready:
            chunk = os.read(0, 1 << 20)
            if not chunk:
                # The server went away: its runs go with it.
                for pid in list(children):
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
                os._exit(0)
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    try:
                        _child(request)
                    finally:
                        os._exit(70)
                children[pid] = request["id"]
                _send({"id": request["id"], "pid": pid})
        reap()


serve()
