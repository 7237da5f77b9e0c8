#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shell's way in: completions (bash, zsh, fish) and the man page, generated from the
# option table and installed by `cmake --install`; NO_COLOR and --color.
#   shell.sh <flow> <build dir>
# zsh and fish are tested where they are installed (scripts/install-deps.sh installs them),
# and said to be skipped otherwise.
set -uo pipefail
flow=$1
build=$2
work=$(mktemp -d /tmp/flow-shell-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
has() { grep -qxF -- "$2" <<<"$1" || bad "$3: '$2' not offered in: $(tr '\n' ' ' <<<"$1")"; }

# ---- bash: the script sources cleanly and completes commands, options and their values.
"$flow" completion bash >"$work/flow.bash" || bad "flow completion bash failed"
bash -n "$work/flow.bash" || bad "the bash completion does not parse"
mkdir -p "$work/specs" && : >"$work/specs/tasks.md"
# comp N WORDS…: what _flow offers for the command line WORDS (the cursor in the last word),
# one per line in $work/cN.
out=$(bash -c '
  set -e
  source "$1"
  complete -p flow
  comp() { local n=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _flow
           printf "%s\n" "${COMPREPLY[@]}" >"c$n"; }
  cd "$2"
  comp 0 flow ""
  comp 1 flow ch
  comp 2 flow run --wor
  comp 3 flow run --isolation ""
  comp 4 flow run --isolation = ""
  comp 5 flow plan --stories s
  comp 6 flow help ro
  comp 7 flow run -
  comp 8 flow run --workdir ""
  comp 9 flow check ""
' _ "$work/flow.bash" "$work" 2>&1) || bad "sourcing or calling the bash completion failed: $out"
grep -q "complete -F _flow flow" <<<"$out" || bad "bash: 'complete -F _flow flow' not registered: $out"
parts=()
for n in 0 1 2 3 4 5 6 7 8 9; do parts+=("$(cat "$work/c$n" 2>/dev/null)"); done
for c in run status rollback check plan simulate completion help version; do has "${parts[0]}" "$c" "bash: flow <TAB>"; done
has "${parts[1]}" check "bash: flow ch<TAB>"
has "${parts[2]}" --workers "bash: flow run --wor<TAB>"
for v in auto git none; do has "${parts[3]}" "$v" "bash: --isolation <TAB>"; has "${parts[4]}" "$v" "bash: --isolation=<TAB>"; done
has "${parts[5]}" sequential "bash: --stories s<TAB>"
has "${parts[6]}" rollback "bash: flow help ro<TAB>"
for f in --agent-cmd --dry-run --verbose --quiet --color -j -v -q --help; do has "${parts[7]}" "$f" "bash: flow run -<TAB>"; done
has "${parts[8]}" specs "bash: --workdir <TAB> (directories)"
has "${parts[9]}" specs "bash: flow check <TAB> (files and folders)"

# ---- zsh: the script parses, and compinit registers it for flow.
if command -v zsh >/dev/null; then
  "$flow" completion zsh >"$work/_flow"
  zsh -n "$work/_flow" || bad "the zsh completion does not parse"
  out=$(cd "$work" && HOME=$work zsh -f -c 'fpath=("$PWD" $fpath); autoload -Uz compinit; compinit -u -d "$PWD/.zcompdump"; print -r -- "$_comps[flow]"' 2>&1)
  [ "$out" = _flow ] || bad "zsh: compinit does not bind _flow to flow from \$fpath: $out"
  out=$(cd "$work" && HOME=$work zsh -f -c 'autoload -Uz compinit; compinit -u -d "$PWD/.zcompdump"; source ./_flow; print -r -- "$_comps[flow]"' 2>&1)
  [ "$out" = _flow ] || bad "zsh: sourcing the script does not bind _flow to flow: $out"
  grep -q -- "--isolation=\[" "$work/_flow" && grep -q "(auto git none)" "$work/_flow" || bad "zsh: --isolation and its choices missing"
else
  echo "shell: zsh not installed: its completion not tested"
fi

# ---- fish: the script parses, and fish's own completer offers what the table has.
if command -v fish >/dev/null; then
  "$flow" completion fish >"$work/flow.fish"
  fish --no-execute "$work/flow.fish" || bad "the fish completion does not parse"
  fc() { (cd "$work" && HOME=$work fish -c "source $work/flow.fish; complete -C '$1'" 2>&1 | cut -f1); }
  out=$(fc "flow ch"); has "$out" check "fish: flow ch<TAB>"
  out=$(fc "flow run --wor"); has "$out" --workers "fish: flow run --wor<TAB>"
  out=$(fc "flow run --isolation "); for v in auto git none; do has "$out" "$v" "fish: --isolation <TAB>"; done
  out=$(fc "flow plan --stories="); has "$out" "--stories=sequential" "fish: --stories=<TAB>"
else
  echo "shell: fish not installed: its completion not tested"
fi

# ---- the man page: built from the table, renders without a warning, documents every option.
"$flow" completion man >"$work/flow.1"
cmp -s "$work/flow.1" "$build/shell/flow.1" || bad "build/shell/flow.1 is not what the table generates now"
for f in flow.bash _flow flow.fish; do
  [ -f "$build/shell/$f" ] || bad "the build did not generate shell/$f"
done
if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z "$work/flow.1" 2>&1)
  [ -z "$warnings" ] || bad "groff warns about flow.1: $warnings"
  text=$(groff -man -Tascii -P-cbou "$work/flow.1" 2>/dev/null)
  for cmd in run status rollback check plan simulate completion; do
    grep -q "flow $cmd \[options\]" <<<"$text" || bad "man: no section for flow $cmd"
    for flag in $("$flow" help "$cmd" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
      grep -qF -- "$flag" <<<"$text" || bad "man: flow $cmd's $flag is missing"
    done
  done
  grep -q "NO_COLOR" <<<"$text" || bad "man: NO_COLOR not documented"
  if command -v man >/dev/null; then
    MANWIDTH=80 man -P cat -l "$work/flow.1" 2>/dev/null | grep -q -- "--isolation" || bad "man -l does not render flow.1"
  fi
else
  echo "shell: groff not installed: the man page's rendering not tested"
fi

# ---- cmake --install puts them where each shell and man look (GNUInstallDirs).
if cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1; then
  for f in share/man/man1/flow.1 share/bash-completion/completions/flow share/zsh/site-functions/_flow \
           share/fish/vendor_completions.d/flow.fish bin/flow; do
    [ -f "$work/prefix/$f" ] || bad "cmake --install did not install $f"
  done
  cmp -s "$work/prefix/share/bash-completion/completions/flow" "$work/flow.bash" || bad "the installed bash completion differs"
else
  bad "cmake --install failed: $(tail -5 "$work/install.log")"
fi

# ---- colour: NO_COLOR set and not empty turns it off (no-color.org); --color decides over it.
mkdir -p "$work/run"
printf -- '- [ ] T001 first\n- [ ] T002 second\n' >"$work/run/tasks.md"
colored() {  # colored <env…> -- <flags…>: whether the live view's output carries SGR colours
  local envs=() ; while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  sed -i 's/\[[Xx]\]/[ ]/' "$work/run/tasks.md"
  env "${envs[@]}" TERM=xterm "$flow" run "$work/run/tasks.md" --isolation none --agent-cmd true --progress live "$@" \
    >"$work/run/out" 2>&1
  grep -qE $'\x1b\\[(3[0-9]|2)m' "$work/run/out"
}
colored -- || bad "no colour by default in the live view"
colored NO_COLOR=1 -- && bad "NO_COLOR=1 left colours in"
colored NO_COLOR= -- || bad "NO_COLOR= (empty) turned colour off; only a non-empty value should"
colored NO_COLOR=1 -- --color=always || bad "--color=always did not override NO_COLOR"
colored -- --color=never && bad "--color=never left colours in"

if [ "$fails" -eq 0 ]; then echo "shell: completions, man page, install and colour pass"; else exit 1; fi
