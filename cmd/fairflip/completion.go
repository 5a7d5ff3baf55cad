package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fairflip/fairflip/internal/fferr"
	"github.com/fairflip/fairflip/internal/flipcli"
)

// Shell completion and the manual page, made from the CLI's definition
// (the cli.App of newApp): `fairflip completion bash|zsh|fish` prints a
// script for the shell, `fairflip man` a man page in roff.
//
// Completion: the bash and zsh scripts ask fairflip itself for the words
// that may come next, with urfave/cli's request, the command line's words
// followed by --generate-bash-completion: after the program's name, the
// commands and the global flags; after a command, its flags (and, for
// `completion`, the shells). The script keeps those that start with the
// word being completed; a word that is not a flag completes as a file name.
// fish's script lists the commands and each command's flags, with their
// help texts (urfave/cli's ToFishCompletion marks every flag's value as
// "not a file" and lists the hidden help command).

// completionFlag ends a command line that asks for completions.
const completionFlag = "--generate-bash-completion"

// completionShells are the shells `fairflip completion` writes scripts for.
var completionShells = []string{"bash", "zsh", "fish"}

// commandLine is args as the app runs them. A request for completions
// keeps only the program and the command names: the words offered do not
// depend on the others (and flipcli.Interspersed would move the request
// off the end). Any other command line is flipcli.Interspersed.
func commandLine(app *cli.App, args []string) []string {
	if n := len(args); n >= 2 && args[n-1] == completionFlag {
		out := []string{args[0]}
		if n > 2 && app.Command(args[1]) != nil {
			out = append(out, args[1])
		}
		return append(out, completionFlag)
	}
	return flipcli.Interspersed(app, args)
}

// addDocCommands adds completion and the commands completion and man to app,
// whose other commands are defined.
func addDocCommands(app *cli.App) {
	app.EnableBashCompletion = true
	app.BashComplete = func(c *cli.Context) {
		for _, cmd := range app.VisibleCommands() {
			for _, n := range cmd.Names() {
				fmt.Fprintln(c.App.Writer, n)
			}
		}
		printFlagNames(c.App.Writer, app.VisibleFlags())
	}
	app.Commands = append(app.Commands,
		&cli.Command{
			Name:      "completion",
			Usage:     "print a completion script for the shell SHELL (bash, zsh or fish)",
			ArgsUsage: "SHELL",
			Description: `Prints a script that completes fairflip's commands and flags in SHELL.

  bash: source <(fairflip completion bash)     (in ~/.bashrc), or
        fairflip completion bash > ~/.local/share/bash-completion/completions/fairflip
  zsh:  fairflip completion zsh > "${fpath[1]}/_fairflip"   (compinit must run), or
        source <(fairflip completion zsh)        (after compinit, in ~/.zshrc)
  fish: fairflip completion fish > ~/.config/fish/completions/fairflip.fish`,
			BashComplete: func(c *cli.Context) {
				for _, s := range completionShells {
					fmt.Fprintln(c.App.Writer, s)
				}
				printFlagNames(c.App.Writer, c.Command.VisibleFlags())
			},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return fferr.Usage("completion takes one SHELL: %s", strings.Join(completionShells, ", "))
				}
				var script string
				switch shell := c.Args().First(); shell {
				case "bash":
					script = bashCompletion
				case "zsh":
					script = zshCompletion
				case "fish":
					script = fishCompletion(app)
				default:
					return fferr.Usage("completion %q: fairflip writes scripts for %s", shell, strings.Join(completionShells, ", "))
				}
				_, err := io.WriteString(c.App.Writer, script)
				return err
			},
		},
		&cli.Command{
			Name:  "man",
			Usage: "print fairflip's manual page (roff, section 1)",
			Description: `Prints the manual page, made from the commands and flags that --help shows.

  fairflip man > ~/.local/share/man/man1/fairflip.1    (then: man fairflip)
  fairflip man | man -l -                              (read it at once)`,
			Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return fferr.Usage("man takes no arguments, got %q", c.Args().First())
				}
				_, err := io.WriteString(c.App.Writer, manPage(app))
				return err
			},
		},
	)
	for _, cmd := range app.Commands {
		if cmd.BashComplete == nil {
			cmd.BashComplete = func(c *cli.Context) { printFlagNames(c.App.Writer, c.Command.VisibleFlags()) }
		}
	}
}

// printFlagNames writes each name of each flag, one a line, as it is
// typed: --name, or -n for a one-letter name.
func printFlagNames(w io.Writer, flags []cli.Flag) {
	for _, f := range flags {
		for _, n := range f.Names() {
			fmt.Fprintln(w, flagName(n))
		}
	}
}

// flagName is a flag's name n as it is typed.
func flagName(n string) string {
	if len([]rune(n)) == 1 {
		return "-" + n
	}
	return "--" + n
}

// bashCompletion completes fairflip in bash (see completionFlag).
const bashCompletion = `# bash completion for fairflip: source it, or put it in
# ~/.local/share/bash-completion/completions/fairflip
_fairflip_complete() {
    local cur=${COMP_WORDS[COMP_CWORD]} ask=("${COMP_WORDS[0]}")
    if ((COMP_CWORD > 1)); then
        ask+=("${COMP_WORDS[1]}")
    fi
    local words
    words=$("${ask[@]}" --generate-bash-completion 2>/dev/null) || return 0
    local IFS=$'\n'
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$words" -X '!-*' -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$words" -X '-*' -- "$cur"))
    fi
}
complete -o default -o bashdefault -F _fairflip_complete fairflip
`

// zshCompletion completes fairflip in zsh (see completionFlag).
const zshCompletion = `#compdef fairflip
# zsh completion for fairflip: put it in a folder of $fpath as _fairflip,
# or source it after compinit.
_fairflip() {
    local -a ask cands
    ask=("${words[1]}")
    (( CURRENT > 2 )) && ask+=("${words[2]}")
    cands=("${(@f)$("${ask[@]}" --generate-bash-completion 2>/dev/null)}")
    if [[ ${PREFIX} == -* ]]; then
        compadd -- ${(M)cands:#-*}
    else
        cands=(${cands:#-*})
        if (( ${#cands} )); then
            compadd -- $cands
        else
            _files
        fi
    fi
}
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _fairflip "$@"
else
    compdef _fairflip fairflip
fi
`

// fishCompletion completes fairflip in fish: the commands, and each
// command's flags, from app's definition.
func fishCompletion(app *cli.App) string {
	var b strings.Builder
	b.WriteString("# fish completion for fairflip: put it in ~/.config/fish/completions/fairflip.fish\n")
	b.WriteString("complete -c fairflip -n __fish_use_subcommand -f -l help -s h -d 'show help'\n")
	b.WriteString("complete -c fairflip -n __fish_use_subcommand -f -l version -s v -d 'print the version'\n")
	for _, cmd := range app.VisibleCommands() {
		fmt.Fprintf(&b, "complete -c fairflip -n __fish_use_subcommand -f -a %s -d %s\n", fishQuote(cmd.Name), fishQuote(cmd.Usage))
		when := "'__fish_seen_subcommand_from " + cmd.Name + "'"
		if cmd.Name == "completion" {
			fmt.Fprintf(&b, "complete -c fairflip -n %s -f -a %s\n", when, fishQuote(strings.Join(completionShells, " ")))
		}
		for _, f := range cmd.VisibleFlags() {
			b.WriteString("complete -c fairflip -n " + when)
			for _, n := range f.Names() {
				if len([]rune(n)) == 1 {
					b.WriteString(" -s " + n)
				} else {
					b.WriteString(" -l " + n)
				}
			}
			if df, ok := f.(cli.DocGenerationFlag); ok && df.TakesValue() {
				b.WriteString(" -r")
			}
			_, desc, _ := strings.Cut(cli.FlagStringer(f), "\t")
			fmt.Fprintf(&b, " -d %s\n", fishQuote(desc))
		}
	}
	return b.String()
}

// fishQuote quotes s for fish, in single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// manPage writes the manual page of app in roff (man(7)), section 1.
func manPage(app *cli.App) string {
	var b strings.Builder
	name := app.Name
	fmt.Fprintf(&b, ".TH %s 1 \"\" \"%s %s\" \"User Commands\"\n", strings.ToUpper(name), name, roff(app.Version))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", name, roff(app.Usage))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n.I COMMAND\n[\\fIflags\\fR] [\\fIarguments\\fR]\n", name)
	for _, cmd := range app.VisibleCommands() {
		fmt.Fprintf(&b, ".br\n.B %s %s\n", name, cmd.Name)
		if cmd.ArgsUsage != "" {
			b.WriteString(roffLine(cmd.ArgsUsage) + "\n")
		}
	}
	b.WriteString(".SH DESCRIPTION\n")
	verbatim(&b, app.Description)
	b.WriteString(".SH COMMANDS\n")
	for _, cmd := range app.VisibleCommands() {
		fmt.Fprintf(&b, ".SS \"%s %s\"\n", name, roff(strings.TrimSpace(cmd.Name+" "+cmd.ArgsUsage)))
		text(&b, upperFirst(cmd.Usage)+".")
		if cmd.Description != "" {
			verbatim(&b, cmd.Description)
		}
		for _, cat := range cmd.VisibleFlagCategories() {
			title := "Flags"
			if cat.Name() != "" {
				title = "Flags: " + cat.Name()
			}
			fmt.Fprintf(&b, ".PP\n.I %s\n", roff(title))
			for _, f := range cat.Flags() {
				term, desc, _ := strings.Cut(cli.FlagStringer(f), "\t")
				fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roff(term), roffLine(desc))
			}
		}
	}
	fmt.Fprintf(&b, ".SH SEE ALSO\n.B %s\n.I COMMAND\n\\-\\-help\n", name)
	return b.String()
}

// text writes paragraphs of prose (lines filled by roff; a blank line
// starts a paragraph).
func text(b *strings.Builder, s string) {
	b.WriteString(".PP\n")
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.TrimSpace(l) == "" {
			b.WriteString(".PP\n")
			continue
		}
		b.WriteString(roffLine(strings.TrimSpace(l)) + "\n")
	}
}

// verbatim writes a help text line for line, as --help shows it (no
// filling: its examples hold lines too long to adjust, and its tables are
// aligned with spaces).
func verbatim(b *strings.Builder, s string) {
	b.WriteString(".PP\n.nf\n")
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(roffLine(l) + "\n")
	}
	b.WriteString(".fi\n")
}

// roff escapes text for roff: backslashes, and hyphens as minus signs (so
// that flags copied from the page work).
func roff(s string) string {
	return strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
}

// roffLine is roff(s) for a whole line: one that would start with a
// control character (. or ') starts with \& instead, and an empty line
// (which roff would print as a blank line anyway) stays empty.
func roffLine(s string) string {
	s = roff(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
