// `duration = EXPR`, evaluated by the caller, reading an argument; the
// return type holds an `impl Trait`.

#[timed(duration = request.budget(), name = "handle_request")]
async fn handle(request: Request) -> Result<impl Reply + Send, AppError> {
    Ok(route(request).await?)
}
