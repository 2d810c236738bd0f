# safe-pip hook for fish: `pip`, `pip3`, `python -m pip` and `python3 -m pip` go through
# safe-pip, which checks every package before pip installs it.
#
#   echo 'source /path/to/squatguard/hooks/safe-pip.fish' >> ~/.config/fish/config.fish
#
# `command pip ...` still reaches the real pip. `python -m pip` keeps using the `python` you
# typed: it is passed to safe-pip as SAFE_PIP_PYTHON, unless that is already set.

function pip --wraps pip --description 'pip, through safe-pip'
    safe-pip $argv
end

function pip3 --wraps pip3 --description 'pip, through safe-pip'
    safe-pip $argv
end

function __safe_pip_python --argument-names py
    set -l args $argv[2..-1]
    set -l rest
    if test (count $args) -ge 2; and test "$args[1]" = -m; and test "$args[2]" = pip
        set rest $args[3..-1]
    else if test (count $args) -ge 1; and test "$args[1]" = -mpip
        set rest $args[2..-1]
    else
        command $py $args
        return $status
    end
    if set -q SAFE_PIP_PYTHON
        safe-pip $rest
    else
        env SAFE_PIP_PYTHON=$py safe-pip $rest
    end
end

function python --wraps python --description 'python; `python -m pip` goes through safe-pip'
    __safe_pip_python python $argv
end

function python3 --wraps python3 --description 'python3; `python3 -m pip` goes through safe-pip'
    __safe_pip_python python3 $argv
end
