//! The docs of `timebox::timed` (on the re-export in `runtime/src/lib.rs`)
//! list the keys of the macro's table, in its order.

use std::fs;
use std::path::Path;

use crate::keys::KEYS;

const HEADER: &str = "/// | key | value | meaning |";

#[test]
fn the_docs_key_table_lists_every_key_in_order() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src/lib.rs");
    let source = fs::read_to_string(&path).expect("runtime/src/lib.rs is readable");
    assert_eq!(
        source.matches(HEADER).count(),
        1,
        "{} has one `{HEADER}` table",
        path.display()
    );
    let documented: Vec<&str> = source
        .lines()
        .map(str::trim_start)
        .skip_while(|line| !line.starts_with(HEADER))
        // The header and the `|---|` line.
        .skip(2)
        .take_while(|line| line.starts_with("/// |"))
        .filter_map(|row| row.trim_start_matches("/// |").split('|').next())
        .map(|cell| cell.trim().trim_matches('`'))
        .collect();
    let names: Vec<&str> = KEYS.iter().map(|row| row.name).collect();
    assert_eq!(
        documented,
        names,
        "the key column of the table in {} and `keys::KEYS` differ",
        path.display()
    );
}
