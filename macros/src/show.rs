//! Tokens as a person would write them, for error messages that repeat the
//! user's code: `Vec<u8>`, `&'a str`, `secs = 1, inline`, not the spaced-out
//! `Vec < u8 >` of a token stream's `Display`.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;

/// The tokens of `code` as one line of Rust.
pub(crate) fn show(code: &dyn ToTokens) -> String {
    let mut out = String::new();
    write(code.to_token_stream(), &mut out);
    out
}

/// Words after which a group is spaced.
const KEYWORDS: &[&str] = &[
    "as", "dyn", "else", "if", "impl", "in", "let", "match", "move", "mut", "ref", "return",
    "where",
];

/// The previous token, as far as spacing is concerned.
#[derive(Clone, Copy, PartialEq)]
enum Prev {
    Start,
    Word,
    /// A keyword that a group may follow: `&mut [u8]`, `dyn (Fn())`.
    Keyword,
    Group,
    Punct {
        ch: char,
        /// Glued to the next character (`:` of `::`, `-` of `->`).
        joint: bool,
        /// Glued to the previous character (second `:` of `::`).
        glued: bool,
        /// Follows an operand: a binary `-`, not a unary one.
        binary: bool,
    },
}

fn write(tokens: TokenStream, out: &mut String) {
    let mut prev = Prev::Start;
    for tt in tokens {
        let space = match &tt {
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                matches!(prev, Prev::Word | Prev::Keyword | Prev::Group) || space_after(prev)
            }
            TokenTree::Punct(p) => space_before_punct(prev, p.as_char()),
            TokenTree::Group(g) => match (g.delimiter(), prev) {
                (_, Prev::Start) => false,
                (Delimiter::Brace, _) => true,
                (Delimiter::None, Prev::Word | Prev::Keyword | Prev::Group) => true,
                (_, Prev::Keyword) => true,
                (_, Prev::Word | Prev::Group) => false,
                _ => space_after(prev),
            },
        };
        if space {
            out.push(' ');
        }
        prev = match &tt {
            TokenTree::Ident(ident) => {
                let word = ident.to_string();
                out.push_str(&word);
                if KEYWORDS.contains(&word.as_str()) {
                    Prev::Keyword
                } else {
                    Prev::Word
                }
            }
            TokenTree::Literal(_) => {
                out.push_str(&tt.to_string());
                Prev::Word
            }
            TokenTree::Punct(p) => {
                out.push(p.as_char());
                Prev::Punct {
                    ch: p.as_char(),
                    joint: p.spacing() == Spacing::Joint,
                    glued: matches!(prev, Prev::Punct { joint: true, .. }),
                    binary: matches!(prev, Prev::Word | Prev::Group),
                }
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write(group.stream(), out);
                out.push_str(close);
                if group.delimiter() == Delimiter::None {
                    Prev::Word
                } else {
                    Prev::Group
                }
            }
        };
    }
}

/// Whether a space follows the punctuation `prev` (before anything that is
/// not glued to it).
fn space_after(prev: Prev) -> bool {
    let Prev::Punct {
        ch,
        joint,
        glued,
        binary,
    } = prev
    else {
        return false;
    };
    match ch {
        _ if joint => false,
        // `::`
        ':' if glued => false,
        ',' | ';' | '=' | '+' | '|' | ':' => true,
        // `->`, `=>`
        '>' if glued => true,
        // binary, not unary
        '-' | '*' | '/' => binary,
        _ => false,
    }
}

fn space_before_punct(prev: Prev, ch: char) -> bool {
    match (prev, ch) {
        (Prev::Start, _) | (Prev::Punct { joint: true, .. }, _) => false,
        (_, '=' | '+' | '|') => true,
        (Prev::Word | Prev::Keyword | Prev::Group, '-' | '*' | '/') => true,
        (Prev::Word | Prev::Keyword | Prev::Group, _) => false,
        _ => space_after(prev),
    }
}

#[cfg(test)]
mod tests {
    use super::show;
    use std::str::FromStr;

    fn roundtrip(code: &str) -> String {
        show(&proc_macro2::TokenStream::from_str(code).unwrap())
    }

    #[test]
    fn reads_like_source() {
        for code in [
            "Vec<u8>",
            "&'a str",
            "&mut [u8]",
            "Cow<'a, str>",
            "secs = 1, inline",
            "name = \"x\", secs = 0.5",
            "Duration::from_secs(n * 2)",
            "::my::timebox",
            "impl Fn() -> u8 + Send",
            "Box<dyn Error + Send + Sync>",
            "duration = Duration::from_millis(ms), fallback = Vec::new()",
            "x: &T",
            "-1",
            "config.timeout",
            "HashMap<String, Vec<u8>>",
        ] {
            assert_eq!(roundtrip(code), code);
        }
    }
}
