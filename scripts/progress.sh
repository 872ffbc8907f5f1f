#!/usr/bin/env bash
# Progress for the scripts (sourced): `step "what"` starts a numbered step and closes the
# previous one with how long it took; `finish` closes the last and prints the total.
# Bold only when stdout is a terminal and NO_COLOR is unset: logs and CI get plain text.

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    _progress_on=$'\033[1m'
    _progress_off=$'\033[0m'
else
    _progress_on=
    _progress_off=
fi
_progress_start=$SECONDS
_progress_step_start=
_progress_step=0
_progress_total=${STEPS:-?}

_progress_close() {
    if [ -n "$_progress_step_start" ]; then
        printf '   (step %s took %s)\n' "$_progress_step" "$(_progress_fmt $((SECONDS - _progress_step_start)))"
    fi
}

_progress_fmt() {
    if [ "$1" -ge 60 ]; then
        printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
    else
        printf '%ds' "$1"
    fi
}

step() {
    _progress_close
    _progress_step=$((_progress_step + 1))
    _progress_step_start=$SECONDS
    printf '\n%s== [%s/%s, %s] %s%s\n' "$_progress_on" "$_progress_step" "$_progress_total" \
        "$(_progress_fmt $((SECONDS - _progress_start)))" "$*" "$_progress_off"
}

finish() {
    _progress_close
    _progress_step_start=
    printf '\n%s== done in %s%s\n' "$_progress_on" "$(_progress_fmt $((SECONDS - _progress_start)))" "$_progress_off"
}
