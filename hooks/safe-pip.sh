# safe-pip shell hook for bash and zsh: `pip`, `pip3`, `python -m pip` and `python3 -m pip`
# go through safe-pip, which checks every package before pip installs it.
#
#   echo '. /path/to/squatguard/hooks/safe-pip.sh' >> ~/.bashrc   # or ~/.zshrc
#
# `command pip ...` (or `\pip`) still reaches the real pip. `python -m pip` keeps using the
# `python` you typed: it is passed to safe-pip as SAFE_PIP_PYTHON, unless that is already set.
# safe-pip refuses to run when started by itself (SAFE_PIP_ACTIVE), so aliases cannot loop.

alias pip='safe-pip'
alias pip3='safe-pip'

_safe_pip_python() {
    local _safe_pip_py="$1"
    shift
    if [ "$#" -ge 2 ] && [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
        shift 2
        SAFE_PIP_PYTHON="${SAFE_PIP_PYTHON:-$_safe_pip_py}" safe-pip "$@"
    elif [ "$#" -ge 1 ] && [ "$1" = "-mpip" ]; then
        shift
        SAFE_PIP_PYTHON="${SAFE_PIP_PYTHON:-$_safe_pip_py}" safe-pip "$@"
    else
        command "$_safe_pip_py" "$@"
    fi
}

python() { _safe_pip_python python "$@"; }
python3() { _safe_pip_python python3 "$@"; }
