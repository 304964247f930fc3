//! Destructuring patterns, `mut` and `ref` in the arguments.

#![deny(warnings)]

use timebox::timed;

struct Point {
    x: i64,
    y: i64,
}

struct Wrapper(String);

#[timed(secs = 1)]
async fn patterns(
    (a, b): (i64, i64),
    Point { x, y: why }: Point,
    [first, .., last]: [i64; 3],
    Wrapper(text): Wrapper,
    mut count: i64,
    _: u8,
    _ignored: String,
) -> Result<i64, timebox::Error> {
    count += 1;
    Ok(a + b + x + why + first + last + text.len() as i64 + count)
}

/// A `ref` binding borrows the argument: fine in the caller's task.
#[timed(secs = 1, inline)]
async fn mutate(mut items: Vec<u32>, ref name: String) -> Result<(Vec<u32>, usize), timebox::Error> {
    items.push(4);
    Ok((items, name.len()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sum = patterns(
        (1, 2),
        Point { x: 3, y: 4 },
        [5, 0, 6],
        Wrapper("seven!!".into()),
        7,
        0,
        String::new(),
    )
    .await
    .unwrap();
    assert_eq!(sum, 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8);
    assert_eq!(mutate(vec![1], "ab".into()).await.unwrap(), (vec![1, 4], 2));
}
