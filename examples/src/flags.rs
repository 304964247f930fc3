//! The examples' command line: `--name N` pairs, each a whole number above
//! zero, checked against the flags an example knows.

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
    let mut args = args.into_iter();
    let mut parsed = Vec::new();
    while let Some(flag) = args.next() {
        if !known.contains(&flag.as_str()) {
            return Err(format!("unknown flag {flag}; flags: {}", known.join(" ")));
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number: u64 = value
            .parse()
            .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))?;
        if number == 0 {
            return Err(format!("{flag} must be greater than zero"));
        }
        parsed.push((flag, number));
    }
    Ok(parsed)
}

/// [`parse`] on this program's arguments; on a mistake, says what is wrong
/// and exits with status 2.
pub fn from_env(program: &str, known: &[&str]) -> Vec<(String, u64)> {
    parse(std::env::args().skip(1), known).unwrap_or_else(|message| {
        eprintln!("{program}: {message}");
        std::process::exit(2);
    })
}
