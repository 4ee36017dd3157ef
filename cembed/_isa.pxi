# Included by _core.pyx: the instruction-set path the kernels run
# (src_c/isa.h), chosen at import from the environment variable CEMBED_ISA,
# and build_info(). Kept in this file so the binding module needs one line.

# The kernel families of _core and the paths each is compiled for: all of
# them on x86-64, the baseline alone elsewhere (cembed_isa_supported says
# which the CPU has).
_KERNEL_FAMILIES = ("gather", "embedding_bag", "accumulate", "optimizers", "check_indices")


def _isa_names():
    return [cembed_isa_name(i).decode() for i in range(CEMBED_ISA_COUNT)]


def _supported_isa():
    return [cembed_isa_name(i).decode() for i in range(CEMBED_ISA_COUNT) if cembed_isa_supported(i)]


def _isa_name():
    """The path the kernels run (the other extension modules follow it)."""
    return cembed_isa_name(cembed_isa()).decode()


def _choose_isa():
    """Choose the path from CEMBED_ISA (unset or empty: the best the CPU has)."""
    requested = os.environ.get("CEMBED_ISA", "").strip().lower()
    if cembed_isa_select(requested.encode()) == CEMBED_OK:
        return
    supported = ", ".join(_supported_isa())
    if requested not in _isa_names():
        raise ValueError(
            f"CEMBED_ISA={os.environ['CEMBED_ISA']!r} names no instruction-set path; "
            f"use one of {', '.join(_isa_names())} (this CPU supports {supported})"
        )
    raise ValueError(
        f"CEMBED_ISA={os.environ['CEMBED_ISA']!r}: this CPU cannot run the {requested} path; "
        f"it supports {supported}"
    )


_choose_isa()


def _cpu_model():
    """The CPU's model name as the OS reports it ('' if it does not)."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor()


def build_info():
    """How this copy of cembed was built and which kernels it runs.

    The kernels are compiled once per instruction-set path (``baseline``;
    on x86-64 also ``avx2``: AVX2 + FMA + F16C, and ``avx512``: AVX-512
    F/BW/VL/DQ) and run the best path the CPU supports, or the one named by
    the environment variable ``CEMBED_ISA`` when cembed is imported (a path
    the CPU lacks raises ``ValueError`` at import). Every extension module
    (text, compact tables, the models) runs the path chosen then. Every
    path gives bitwise the same results.

    Returns
    -------
    info : dict
        ``compiler`` (name and version), ``openmp`` (bool), ``cpu`` (the
        model name), ``isa`` (the path the kernels run), ``supported_isa``
        (the paths this CPU can run, slowest first) and ``kernels`` (each
        kernel family and the path it runs).

    Examples
    --------
    >>> import cembed
    >>> info = cembed.build_info()
    >>> info["isa"] in info["supported_isa"]
    True
    >>> sorted(info["kernels"])
    ['accumulate', 'check_indices', 'embedding_bag', 'gather', 'optimizers']
    """
    isa = _isa_name()
    return {
        "compiler": cembed_compiler().decode(),
        "openmp": bool(cembed_openmp_enabled()),
        "cpu": _cpu_model(),
        "isa": isa,
        "supported_isa": _supported_isa(),
        "kernels": {family: isa for family in _KERNEL_FAMILIES},
    }
