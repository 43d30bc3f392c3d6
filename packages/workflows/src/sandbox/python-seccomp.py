# A seccomp filter for code-node children: the kernel refuses socket(2) and execve(2), so even
# code that got past the audit hook cannot open a network connection or start a program.
# Needs no privileges (PR_SET_NO_NEW_PRIVS first); where seccomp is unavailable, install()
# apply() returns False and the audit hook is the only guard. Loaded by python-runner.py.
import ctypes
import platform
import struct

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EACCES = 13
_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_RET_K = 0x06

# arch id for seccomp_data.arch, syscalls to refuse (socket, execve, execveat), x32 bit.
_ARCHES = {
    "x86_64": (0xC000003E, (41, 59, 322), 0x40000000),
    "aarch64": (0xC00000B7, (198, 221, 281), None),
}


def _instruction(code, jump_true, jump_false, k):
    return struct.pack("HBBI", code, jump_true, jump_false, k)


def _program(arch, syscalls, x32_bit):
    deny = _SECCOMP_RET_ERRNO | _EACCES
    tests = [(_BPF_JGE_K, x32_bit)] if x32_bit is not None else []
    tests += [(_BPF_JEQ_K, number) for number in syscalls]
    program = [
        _instruction(_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        _instruction(_BPF_JEQ_K, 1, 0, arch),
        _instruction(_BPF_RET_K, 0, 0, deny),  # another ABI (32-bit calls): refused
        _instruction(_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    for index, (code, value) in enumerate(tests):
        # A match jumps over the remaining tests and the allow, onto the deny.
        program.append(_instruction(code, len(tests) - index, 0, value))
    program.append(_instruction(_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW))
    program.append(_instruction(_BPF_RET_K, 0, 0, deny))
    return program


def prepare():
    """Builds the filter; returns a function that applies it to the calling process and its
    future children and says whether it is in force, or None where seccomp is not known here."""
    spec = _ARCHES.get(platform.machine())
    if spec is None:
        return None
    program = b"".join(_program(*spec))
    buffer = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)

    def apply():
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0

    apply.keep = (buffer, fprog)  # the kernel copies the program, but only when apply() runs
    return apply
