//! The examples' command line: `--name VALUE` pairs, checked against the
//! flags an example knows: numbers (whole, above zero) and paths.

use std::path::PathBuf;

/// The value of one flag, by the kind the example declared it as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A whole number greater than zero.
    Number(u64),
    /// A path, not empty and not another flag.
    Path(PathBuf),
}

/// Parses `args` (without the program name) as `--name N` pairs. Every name
/// must be in `known`; every value a whole number greater than zero.
///
/// ```
/// use timebox_examples::flags;
///
/// let args = ["--secs", "3"].map(String::from);
/// assert_eq!(flags::parse(args, &["--secs"]), Ok(vec![("--secs".to_string(), 3)]));
/// assert!(flags::parse(["--secs", "0"].map(String::from), &["--secs"]).is_err());
/// assert!(flags::parse(["--fast"].map(String::from), &["--secs"]).is_err());
/// ```
pub fn parse(
    args: impl IntoIterator<Item = String>,
    known: &[&str],
) -> Result<Vec<(String, u64)>, String> {
    let parsed = parse_with(args, known, &[])?;
    Ok(parsed
        .into_iter()
        .filter_map(|(flag, value)| match value {
            Value::Number(n) => Some((flag, n)),
            // No path flags were declared, so none was parsed.
            Value::Path(_) => None,
        })
        .collect())
}

/// Parses `args` (without the program name) as `--name VALUE` pairs, where
/// a name in `numbers` takes a whole number greater than zero and a name in
/// `paths` takes a path. Any other name is an error that lists them all.
///
/// ```
/// use std::path::PathBuf;
/// use timebox_examples::flags::{self, Value};
///
/// let args = ["--secs", "3", "--svg", "out.svg"].map(String::from);
/// assert_eq!(
///     flags::parse_with(args, &["--secs"], &["--svg"]),
///     Ok(vec![
///         ("--secs".to_string(), Value::Number(3)),
///         ("--svg".to_string(), Value::Path(PathBuf::from("out.svg"))),
///     ])
/// );
/// assert!(flags::parse_with(["--svg"].map(String::from), &[], &["--svg"]).is_err());
/// ```
pub fn parse_with(
    args: impl IntoIterator<Item = String>,
    numbers: &[&str],
    paths: &[&str],
) -> Result<Vec<(String, Value)>, String> {
    let mut args = args.into_iter();
    let mut parsed = Vec::new();
    while let Some(flag) = args.next() {
        let is_path = paths.contains(&flag.as_str());
        if !is_path && !numbers.contains(&flag.as_str()) {
            let all: Vec<&str> = numbers.iter().chain(paths).copied().collect();
            return Err(format!("unknown flag {flag}; flags: {}", all.join(" ")));
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let value = if is_path {
            Value::Path(path(&flag, value)?)
        } else {
            Value::Number(number(&flag, &value)?)
        };
        parsed.push((flag, value));
    }
    Ok(parsed)
}

/// The value of a number flag: a whole number greater than zero.
fn number(flag: &str, value: &str) -> Result<u64, String> {
    let number: u64 = value
        .parse()
        .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))?;
    if number == 0 {
        return Err(format!("{flag} must be greater than zero"));
    }
    Ok(number)
}

/// The value of a path flag. A value that looks like a flag is a forgotten
/// path (`--svg --secs 3`), not a file to create; `./--name` still works.
fn path(flag: &str, value: String) -> Result<PathBuf, String> {
    if value.is_empty() {
        return Err(format!("{flag} takes a path, not an empty string"));
    }
    if value.starts_with("--") {
        return Err(format!("{flag} needs a path before the next flag {value}"));
    }
    Ok(PathBuf::from(value))
}

/// [`parse`] on this program's arguments; on a mistake, says what is wrong
/// and exits with status 2.
pub fn from_env(program: &str, known: &[&str]) -> Vec<(String, u64)> {
    parse(std::env::args().skip(1), known).unwrap_or_else(|message| exit(program, &message))
}

/// [`parse_with`] on this program's arguments; on a mistake, says what is
/// wrong and exits with status 2.
pub fn from_env_with(program: &str, numbers: &[&str], paths: &[&str]) -> Vec<(String, Value)> {
    parse_with(std::env::args().skip(1), numbers, paths)
        .unwrap_or_else(|message| exit(program, &message))
}

/// Reports a command-line mistake the way every example does, and exits
/// with status 2.
fn exit(program: &str, message: &str) -> ! {
    eprintln!("{program}: {message}");
    std::process::exit(2);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn numbers_and_paths_mix_in_any_order() {
        let parsed = parse_with(
            args(&["--svg", "a.svg", "--secs", "2"]),
            &["--secs"],
            &["--svg"],
        );
        assert_eq!(
            parsed,
            Ok(vec![
                ("--svg".to_string(), Value::Path("a.svg".into())),
                ("--secs".to_string(), Value::Number(2)),
            ])
        );
    }

    #[test]
    fn a_path_flag_without_its_path_is_an_error() {
        let err = |list: &[&str]| parse_with(args(list), &["--secs"], &["--svg"]).unwrap_err();
        assert_eq!(err(&["--svg"]), "--svg needs a value");
        assert_eq!(
            err(&["--svg", "--secs", "2"]),
            "--svg needs a path before the next flag --secs"
        );
        assert_eq!(
            err(&["--svg", ""]),
            "--svg takes a path, not an empty string"
        );
        assert_eq!(
            err(&["--png", "a.png"]),
            "unknown flag --png; flags: --secs --svg"
        );
    }

    #[test]
    fn a_path_is_not_a_number() {
        let err = parse_with(args(&["--secs", "a.svg"]), &["--secs"], &["--svg"]).unwrap_err();
        assert_eq!(err, "--secs takes a whole number, not \"a.svg\"");
    }
}
