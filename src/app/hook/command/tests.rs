use super::*;

/// `check`, `ask` or `allow` for a command line, as the analysis says.
fn outcome(command: &str) -> &'static str {
    let env = |name: &str| match name {
        "HOME" => Some("/home/u".to_owned()),
        _ => None,
    };
    let analysis = analyse(command, Path::new("/w"), &env);
    if analysis
        .steps
        .iter()
        .any(|step| matches!(step, Step::Ask(_)))
    {
        "ask"
    } else if analysis.steps.is_empty() {
        "allow"
    } else {
        "check"
    }
}

#[test]
fn every_way_to_run_terraform_is_found_or_asked() {
    let table = [
        ("ls -la", "allow"),
        ("git status && git diff && git log -3", "allow"),
        ("terraform plan -out=p.tfplan", "allow"),
        ("terraform init -input=false; tofu fmt -recursive", "allow"),
        ("grep -rn 'terraform apply' docs # terraform apply", "allow"),
        ("terraform apply -help", "allow"),
        ("blastwall check plan.json", "allow"),
        ("echo $(date)", "allow"),
        ("terraform apply -auto-approve", "check"),
        ("ter\"\"raform apply", "check"),
        ("terr\\aform apply", "check"),
        ("$'terraform' apply", "check"),
        ("nice -n 5 terraform apply", "check"),
        ("timeout -s KILL 600 terraform apply", "check"),
        ("env -u X terraform apply", "check"),
        ("env -u CLAUDECODE terraform apply -auto-approve", "check"),
        ("env VAR=x command exec nohup time terraform apply", "check"),
        ("/usr/bin/terraform apply", "check"),
        ("./terraform destroy", "check"),
        ("terraform -chdir=infra apply", "check"),
        ("bash -c 'terraform apply -auto-approve'", "check"),
        ("bash -ec 'terraform apply'", "check"),
        ("bash -c -- 'terraform apply'", "check"),
        (
            "sh -c \"zsh -c 'bash -c \\\"sh -c terraform\\\\ apply\\\"'\"",
            "check",
        ),
        ("cd infra && terraform apply", "check"),
        ("true || terraform apply; ls\nterraform destroy", "check"),
        ("(terraform apply)", "check"),
        ("echo yes | terraform apply", "check"),
        ("X=1 terraform apply", "check"),
        (
            "BLASTWALL_AUTHOR=human blastwall guard -- terraform apply -auto-approve",
            "check",
        ),
        ("echo \"$(terraform apply -auto-approve)\"", "check"),
        ("exec -a x terraform apply", "check"),
        (
            "blastwall guard -- bash -c 'terraform apply -auto-approve'",
            "ask",
        ),
        ("blastwall guard -- terraform state rm x", "ask"),
        ("blastwall approve plan.out --by alice", "ask"),
        ("sh -c \"$(cat cmd)\"", "ask"),
        ("eval terraform apply", "ask"),
        (
            "python -c 'import os; os.system(\"terraform apply\")'",
            "ask",
        ),
        ("make apply", "ask"),
        ("./deploy.sh", "ask"),
        ("ls | xargs terraform apply", "ask"),
        ("find . -exec terraform apply \\;", "ask"),
        ("git -c alias.x='!terraform apply' x", "ask"),
        ("script -qc 'terraform apply' /dev/null", "ask"),
        ("printf 'terraform apply' | sh", "ask"),
        ("bash <<< 'terraform apply'", "ask"),
        ("$(echo terraform) apply", "ask"),
        ("`echo terraform` apply", "ask"),
        ("terraform${IFS}destroy", "ask"),
        ("terrafor? apply", "ask"),
        ("{terraform,apply}", "ask"),
        ("T=terraform; $T apply", "check"),
        ("$T apply", "ask"),
        ("PATH=/evil:$PATH terraform apply", "ask"),
        ("export PATH=/evil && terraform apply", "ask"),
        ("terraform() { echo; }; terraform apply", "ask"),
        ("tf apply", "ask"),
        ("terraform apply $(cat plan-name)", "ask"),
        ("terraform apply -var region=$UNSET", "ask"),
        ("cd \"$UNSET\" && tofu destroy", "ask"),
        ("terraform state rm aws_db.x", "ask"),
        ("terraform import a b", "ask"),
        ("terraform taint x", "ask"),
        ("terraform force-unlock 1", "ask"),
        ("terraform workspace delete w", "ask"),
        ("terragrunt run-all apply", "ask"),
        ("sudo terraform apply", "ask"),
        ("awk 'BEGIN{system(\"terraform apply\")}'", "ask"),
        ("BASH_ENV=x.sh bash -c ls", "ask"),
        ("terraform apply -var-file=*.tfvars", "ask"),
    ];
    let mut wrong = Vec::new();
    for (command, expected) in table {
        let found = outcome(command);
        if found != expected {
            wrong.push(format!("{command:?}: {found}, expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn quotes_are_removed_and_the_environment_followed() {
    let env = |name: &str| (name == "TF_CLI_ARGS").then(|| "-lock=false".to_owned());
    let analysis = analyse(
        "cd infra && TF_CLI_ARGS_apply=-destroy ter''raform -chdir=\"a b\" apply -auto-approve",
        Path::new("/w"),
        &env,
    );
    let [Step::Check(run)] = analysis.steps.as_slice() else {
        panic!("{analysis:?}");
    };
    assert_eq!(run.program, "terraform");
    assert_eq!(run.cwd, Path::new("/w/infra"));
    assert!(run.invocation.destroys());
    assert!(run.invocation.options.contains(&"-lock=false".to_owned()));
    assert_eq!(run.invocation.global, ["-chdir=a b"]);
}

#[test]
fn hostile_input_does_not_crash() {
    let env = |_: &str| None;
    for command in [
        "eval ".repeat(1000),
        "(".repeat(100_000),
        format!("bash -c {}", "'bash -c ".repeat(50)),
        "$(".repeat(5000),
        "\u{0}\u{1b}[2J".to_owned(),
    ] {
        let _ = analyse(&command, Path::new("/w"), &env);
    }
}
