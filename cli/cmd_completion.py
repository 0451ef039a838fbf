"""``drover completion bash|zsh|fish``: shell completion, driven by drover's own parser.

The printed script is a thin hook: on Tab it asks the same ``drover`` binary what fits
(``drover completion --complete SHELL -- WORDS…``, the words up to the cursor). The answer
comes from the parser itself, so a new command or option completes without touching the
scripts: commands, options, an option's choices, profiles from the config, and session ids
(or, for ``approve``/``deny``, the pending tool calls) read offline from the mirror. Paths are
left to the shell (the answer is then ``__files__`` or ``__dirs__``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

SHELLS = ("bash", "zsh", "fish")
_FILES, _DIRS = "__files__", "__dirs__"
_SESSION_METAVARS = ("SESSION", "ID")
_DIR_DESTS = ("data_dir", "scenarios_dir")
_FILE_DESTS = ("config", "output", "file")

_BASH = """# drover completion for bash. Load it with:  eval "$(drover completion bash)"
_drover() {
    local IFS=$'\\n' cur="${COMP_WORDS[COMP_CWORD]}" out
    out=$("${COMP_WORDS[0]}" completion --complete bash -- "${COMP_WORDS[@]:1:COMP_CWORD}" \\
        2>/dev/null)
    case "$out" in
        __files__) COMPREPLY=($(compgen -f -- "$cur")) ;;
        __dirs__) COMPREPLY=($(compgen -d -- "$cur")) ;;
        *) COMPREPLY=($out) ;;
    esac
}
complete -o filenames -F _drover drover
"""

_ZSH = """#compdef drover
# drover completion for zsh. Load it with:  source <(drover completion zsh)
# (after `compinit`), or save it as _drover in a folder of your $fpath.
_drover() {
    local -a lines described
    local line
    lines=("${(@f)$("${words[1]}" completion --complete zsh -- "${(@)words[2,CURRENT]}" \\
        2>/dev/null)}")
    case "${lines[1]}" in
        __files__) _files; return ;;
        __dirs__) _files -/; return ;;
    esac
    for line in "${lines[@]}"; do  # value<TAB>help -> value:help, a colon in the value escaped
        [[ -n $line ]] || continue
        if [[ $line == *$'\\t'* ]]; then
            described+=("${${line%%$'\\t'*}//:/\\\\:}:${line#*$'\\t'}")
        else
            described+=("${line//:/\\\\:}")
        fi
    done
    _describe -t drover 'drover' described
}
if (( $+functions[compdef] )); then compdef _drover drover; fi
"""

_FISH = """# drover completion for fish. Load it with:  drover completion fish | source
# (or save it as ~/.config/fish/completions/drover.fish).
function __drover_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l answer ($tokens[1] completion --complete fish -- $tokens[2..-1] 2>/dev/null)
    switch "$answer[1]"
        case __files__
            __fish_complete_path (commandline -ct)
        case __dirs__
            __fish_complete_directories (commandline -ct)
        case '*'
            printf '%s\\n' $answer
    end
end
complete -c drover -f -a '(__drover_complete)'
"""

SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


def register(subparsers: Any) -> None:
    """Add the ``completion`` subcommand."""
    p = subparsers.add_parser(
        "completion", help="print a shell completion script (bash, zsh, fish)",
        description="Print the completion script for a shell. bash: eval \"$(drover completion "
        "bash)\" in ~/.bashrc; zsh: source <(drover completion zsh) after compinit; fish: "
        "drover completion fish > ~/.config/fish/completions/drover.fish.",
    )  # fmt: skip
    p.add_argument("--complete", choices=SHELLS, help=argparse.SUPPRESS)
    # One positional for both uses: the shell, or (with --complete) the words after `--`.
    p.add_argument("words", nargs=argparse.REMAINDER, metavar="SHELL", help="bash, zsh or fish")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the script, or (``--complete``) the candidates for the words given."""
    words = list(args.words)
    if words[:1] == ["--"]:
        words = words[1:]
    if args.complete:
        from drover.cli.main import build_parser

        for line in candidates(build_parser(), words or [""], args.complete):
            print(line)
        return 0
    if len(words) != 1 or words[0] not in SHELLS:
        print("drover: name one shell: bash, zsh or fish", file=sys.stderr)
        return 2
    sys.stdout.write(SCRIPTS[words[0]])
    return 0


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return {name: (sub, helps.get(name, "")) for name, sub in action.choices.items()}
    return {}


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {
        option: action
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for option in action.option_strings
    }


def candidates(parser: argparse.ArgumentParser, words: list[str], shell: str) -> list[str]:
    """What may come next; ``words`` are those after ``drover``, the last being typed.

    Returns:
        Candidates starting with the typed prefix (``value<TAB>help`` for zsh and fish), or
        ``__files__`` / ``__dirs__`` when the shell should complete a path.
    """
    *before, typed = words
    commands = _subcommands(parser)
    command = next((w for w in before if not w.startswith("-")), None)
    if command is None:
        pairs = [(name, help) for name, (_, help) in commands.items()]
        if typed.startswith("-"):
            pairs = [(o, a.help or "") for o, a in _options(parser).items()]
        return _format(pairs, typed, shell)
    sub = commands.get(command, (None, ""))[0]
    if sub is None:
        return []
    for word in before[before.index(command) + 1 :]:  # `auth status`: a command's own verbs
        verb = _subcommands(sub).get(word)
        if verb is not None:
            sub, command = verb[0], word
    options = _options(sub)
    previous = before[-1] if before else ""
    taking = options.get(previous)
    if taking is not None and taking.nargs != 0:
        return _values(taking, before, typed, shell)
    if typed.startswith("-"):
        return _format([(o, a.help or "") for o, a in options.items()], typed, shell)
    positionals = [a for a in sub._actions if not a.option_strings and a.help != argparse.SUPPRESS]
    if not positionals:
        return []
    index, value_next = 0, False
    for word in before[before.index(command) + 1 :]:
        if value_next:
            value_next = False
        elif word.startswith("-"):
            value_next = word in options and options[word].nargs != 0
        else:
            index += 1
    action = positionals[min(index, len(positionals) - 1)]
    return _values(action, before, typed, shell)


def _values(action: argparse.Action, before: list[str], typed: str, shell: str) -> list[str]:
    if action.choices:
        return _format([(str(c), "") for c in action.choices], typed, shell)
    if action.dest in _DIR_DESTS:
        return [_DIRS]
    if action.dest in _FILE_DESTS:
        return [_FILES]
    metavar = str(action.metavar or action.dest).upper()
    if action.dest == "profile":
        return _format([(name, "profile") for name in _profiles(before)], typed, shell)
    if metavar.startswith("EVENT") and action.dest == "event":
        return _format(_pending(before), typed, shell)
    if metavar in _SESSION_METAVARS or action.dest == "session":
        return _format(_sessions(before), typed, shell)
    return []


def _format(pairs: list[tuple[str, str]], typed: str, shell: str) -> list[str]:
    fitting = [(value, help) for value, help in pairs if value.startswith(typed)]
    if shell == "bash":
        return [value for value, _ in fitting]
    return [f"{value}\t{' '.join(help.split())}" if help else value for value, help in fitting]


def _option_value(before: list[str], option: str) -> str | None:
    for i, word in enumerate(before[:-1]):
        if word == option:
            return before[i + 1]
    return None


def _profiles(before: list[str]) -> list[str]:
    try:
        from drover.config import config_file, load_config

        config = load_config(config_file(_option_value(before, "--config")))
    except Exception:  # a broken config completes nothing rather than a traceback
        return []
    return sorted(config.profiles)


def _reader(before: list[str]) -> Any:
    from drover.config import config_file, data_dir, load_config, mirror_path
    from drover.store.reader import MirrorReader

    profile = _option_value(before, "--profile")
    if profile is None:
        profile = load_config(config_file(_option_value(before, "--config"))).default_profile
    path = mirror_path(profile, data_dir(_option_value(before, "--data-dir")))
    return MirrorReader(path) if path.exists() else None


def _sessions(before: list[str]) -> list[tuple[str, str]]:
    try:
        reader = _reader(before)
        if reader is None:
            return []
        try:
            rows = reader.sessions(include_archived=True, limit=500, sort="updated_at")
        finally:
            reader.close()
    except Exception:  # no mirror, an old one, a damaged one: nothing to offer
        return []
    from drover.text.inert import inert_line

    return [(row.id, inert_line(row.title or "")[:60]) for row in rows]


def _pending(before: list[str]) -> list[tuple[str, str]]:
    session = next((w for w in before if w.startswith("sesn_")), None)
    try:
        reader = _reader(before)
        if reader is None or session is None:
            return []
        try:
            row = reader.session(session)
        finally:
            reader.close()
    except Exception:
        return []
    actions = row.pending_actions if row is not None else []
    return [(str(a.get("event_id")), str(a.get("name") or a.get("type") or "")) for a in actions]
