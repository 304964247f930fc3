//! `#[timed]` under `#[async_trait]`: which fns are recognized as
//! async-trait's expansion (and which `R` the rules then read), what the
//! entry makes of them, and the one error for each wrong order.

use super::{compile_errors, tokens};
use crate::async_trait::{Shape, shape};
use crate::entry;
use crate::item::TimedFn;

/// async-trait 0.1.92's expansion of `async fn get(&self, key: &str) -> R`
/// in an impl, with `R` and the inner statements filled in.
fn expanded(receiver: &str, output: &str, stmts: &str) -> String {
    format!(
        "#[allow(clippy::type_complexity)]
        fn get<'life0, 'life1, 'async_trait>({receiver}, key: &'life1 str)
            -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = {output}> + ::core::marker::Send + 'async_trait>>
        where 'life0: 'async_trait, 'life1: 'async_trait, Self: 'async_trait
        {{
            Box::pin(async move {{ {stmts} }})
        }}"
    )
}

const INNER: &str =
    "if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<Result<u32, E>> {
        #[allow(unreachable_code)] return __ret;
    }
    let __self = self;
    let __ret: Result<u32, E> = { Ok(__self.base + key.len() as u32) };
    #[allow(unreachable_code)] __ret";

fn shape_of(item: &str) -> Shape {
    let func: TimedFn = syn::parse2(tokens(item)).expect("parses as a fn");
    shape(&func)
}

/// The `R` of a recognized fn, as tokens; `None` for `()`.
fn output_of(item: &str) -> Option<String> {
    match shape_of(item) {
        Shape::Boxed(boxed) => match boxed.output {
            syn::ReturnType::Default => None,
            syn::ReturnType::Type(_, ty) => Some(quote::quote!(#ty).to_string()),
        },
        Shape::Plain => panic!("not recognized, taken as plain: {item}"),
        Shape::Unrecognized(err) => panic!("not recognized ({err}): {item}"),
    }
}

#[test]
fn async_traits_expansion_is_recognized_with_its_output() {
    let item = expanded("&'life0 self", "Result<u32, E>", INNER);
    assert_eq!(output_of(&item).as_deref(), Some("Result < u32 , E >"));
    // `async fn unit(&self)`: `R` is `()`, taken as no return type.
    let unit = expanded("&'life0 self", "()", "let __self = self; let _: () = {};");
    assert_eq!(output_of(&unit), None);
    // `#[async_trait(?Send)]`: no `Send` bound.
    let local = item.replace("+ ::core::marker::Send ", "");
    assert!(output_of(&local).is_some());
}

#[test]
fn other_spellings_of_the_same_shape_are_recognized() {
    for (output_type, body) in [
        // Short paths, parentheses.
        (
            "Pin<Box<(dyn Future<Output = u8> + Send)>>",
            "Box::pin(async move { 1 })",
        ),
        // Statements before the tail, and the tail in an `#[allow]`ed block.
        (
            "Pin<Box<dyn Future<Output = u8> + Send + 'a>>",
            "let n = 1; #[allow(unused)] { let m = n; ::std::boxed::Box::pin(async move { m }) }",
        ),
        (
            "std::pin::Pin<Box<dyn Send + std::future::Future<Output = u8>>>",
            "alloc::boxed::Box::pin(#[allow(unused)] async move { 1 })",
        ),
    ] {
        let item = format!("fn f(n: u8) -> {output_type} {{ {body} }}");
        assert_eq!(output_of(&item).as_deref(), Some("u8"), "{item}");
    }
}

#[test]
fn async_and_plain_fns_are_not_async_trait_methods() {
    for item in [
        "async fn f() -> Result<u8, E> { Ok(1) }",
        "fn f() -> Result<u8, E> { Ok(1) }",
        "fn f() -> Box<dyn Future<Output = u8>> { Box::new(async move { 1 }) }",
        "fn f() -> Pin<Box<u8>> { Box::pin(1) }",
        "const fn f() -> Pin<Box<dyn Future<Output = u8>>> { Box::pin(async move { 1 }) }",
    ] {
        assert!(matches!(shape_of(item), Shape::Plain), "{item}");
    }
}

#[test]
fn a_boxed_future_built_otherwise_is_one_error() {
    for body in [
        "let fut = async move { 1 }; Box::pin(fut)",
        "Box::pin(async { 1 })",
        "Box::pin(async move { 1 });",
        "Box::pin(async move { 1 }, 2)",
        "Box::new(async move { 1 }).into()",
    ] {
        let item = format!("fn f() -> Pin<Box<dyn Future<Output = u8> + Send>> {{ {body} }}");
        match shape_of(&item) {
            Shape::Unrecognized(err) => {
                assert!(err.to_string().contains("write `async fn f`"), "{err}");
            }
            _ => panic!("recognized: {item}"),
        }
        let out = entry::timed(tokens("secs = 1"), tokens(&item));
        assert_eq!(compile_errors(&out), 1, "{out}");
        assert!(
            !out.to_string().contains("__private"),
            "kept as written: {out}"
        );
    }
}

#[test]
fn the_inner_future_is_timed_under_every_rule() {
    let by_ref = expanded("&'life0 self", "Result<u32, E>", INNER);
    // `&self` in spawn mode: the one error suggesting `inline`, then
    // expanded in inline mode.
    let out = entry::timed(tokens("ms = 50"), tokens(&by_ref)).to_string();
    assert_eq!(compile_errors(&tokens(&out)), 1, "{out}");
    assert!(out.contains("cannot borrow `self`"), "{out}");
    assert!(out.contains("#[timed(ms = 50, inline)]"), "{out}");
    assert!(out.contains("__private :: run_inline"), "{out}");
    let out = entry::timed(tokens("ms = 50, inline"), tokens(&by_ref)).to_string();
    assert_eq!(compile_errors(&tokens(&out)), 0, "{out}");
    assert!(
        out.contains("-> :: core :: pin :: Pin < Box < dyn :: core :: future :: Future"),
        "the signature is kept: {out}"
    );
    assert!(
        out.trim_end()
            .ends_with(":: timebox :: __private :: finish (__timebox_call) . await }) }"),
        "the timed call is the boxed block's value: {out}"
    );
    // An owned receiver: spawn mode.
    let shared = by_ref
        .replace(
            "&'life0 self, key: &'life1 str",
            "self: Arc<Self>, key: String",
        )
        .replace("'life0: 'async_trait, 'life1: 'async_trait,", "");
    let out = entry::timed(tokens("ms = 50, grace = 10"), tokens(&shared)).to_string();
    assert_eq!(compile_errors(&tokens(&out)), 0, "{out}");
    assert!(out.contains("__private :: run ("), "{out}");
    // A borrowed argument, renamed by async-trait: no `__arg` in the error.
    let renamed = by_ref.replace("key: &'life1 str", "__arg1: &'life1 (u8, u8)");
    let out = entry::timed(
        tokens("ms = 50"),
        tokens(&renamed.replace("&'life0 self", "self")),
    );
    let out = out.to_string();
    assert!(
        out.contains("cannot hold the borrowed argument: add"),
        "{out}"
    );
}

#[test]
fn no_return_type_and_fallback_read_the_futures_output() {
    let unit = expanded("&'life0 self", "()", "let __self = self; let _: () = {};");
    let out = entry::timed(tokens("ms = 50, inline"), tokens(&unit)).to_string();
    assert_eq!(compile_errors(&tokens(&out)), 1, "{out}");
    assert!(out.contains("must return `Result<T, E>`"), "{out}");
    let out = entry::timed(tokens("ms = 50, inline, fallback = ()"), tokens(&unit)).to_string();
    assert_eq!(compile_errors(&tokens(&out)), 0, "{out}");
    let item = expanded(
        "&'life0 self",
        "u32",
        "let __self = self; let __ret: u32 = { 1 }; __ret",
    );
    let out = entry::timed(tokens("ms = 50, inline, fallback = 0"), tokens(&item)).to_string();
    assert!(
        out.contains("let fallback : u32 = 0"),
        "typed as `R`: {out}"
    );
}

#[test]
fn the_wrong_order_is_one_error_that_gives_the_right_one() {
    for (item, message) in [
        // `#[timed]` above `#[async_trait]` on the impl.
        (
            "#[async_trait] impl Get for Store { async fn get(&self) -> R { r } }",
            "`#[timed]` goes on the methods of an `#[async_trait]` impl, not on the impl",
        ),
        // Below it: the methods are async-trait's already.
        (
            &format!(
                "impl Get for Store {{ {} }}",
                expanded("&'life0 self", "R", "r")
            ),
            "`#[timed]` goes on the methods of an `#[async_trait]` impl, not on the impl",
        ),
        (
            "#[tonic::async_trait] pub trait Get { async fn get(&self) -> R; }",
            "`#[timed]` goes on the methods of an `#[async_trait]` trait, not on the trait",
        ),
        // `#[async_trait]` on the method, below `#[timed]`.
        (
            "#[async_trait] async fn get(&self) -> Result<u32, E> { Ok(1) }",
            "`#[async_trait]` goes on the `impl` block and on the trait, not on a method",
        ),
    ] {
        let out = entry::timed(tokens("secs = 1, inline"), tokens(item));
        assert_eq!(compile_errors(&out), 1, "{out}");
        assert!(out.to_string().contains(message), "{item}: {out}");
    }
    // A plain impl keeps its own message.
    let out = entry::timed(
        tokens("secs = 1"),
        tokens("impl Store { async fn get(&self) {} }"),
    );
    assert!(out.to_string().contains("not on an `impl` block"), "{out}");
}
