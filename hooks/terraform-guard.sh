# shellcheck shell=sh
# blastwall for people at a shell (bash, zsh, dash, ksh): `terraform apply`,
# `terraform destroy` and the same with `tofu` go through `blastwall guard`,
# which plans, checks the plan and applies exactly that plan only if it passes.
# Every other subcommand runs as usual. Add to ~/.bashrc or ~/.zshrc:
#   . /path/to/blastwall/hooks/terraform-guard.sh
# Skip it once with `command terraform apply`.
_blastwall_guarded() {
  _blastwall_tool=$1
  shift
  for _blastwall_arg in "$@"; do
    case $_blastwall_arg in
      -*) ;;
      apply | destroy)
        command "${BLASTWALL_BIN:-blastwall}" guard -- "$_blastwall_tool" "$@"
        return
        ;;
      *) break ;;
    esac
  done
  command "$_blastwall_tool" "$@"
}
terraform() { _blastwall_guarded terraform "$@"; }
tofu() { _blastwall_guarded tofu "$@"; }
