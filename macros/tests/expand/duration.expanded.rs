async fn handle(request: Request) -> Result<impl Reply + Send, AppError> {
    let __timebox_call = ::timebox::__private::run(
        ::timebox::__private::Spec::new(
            {
                static SITE: ::timebox::__private::Site = ::timebox::__private::Site::new(
                    "handle_request",
                    ::core::module_path!(),
                    ::core::file!(),
                    ::core::line!(),
                );
                &SITE
            },
            request.budget(),
        ),
        async move {
            #[allow(unreachable_code)]
            if false {
                let output: Result<_, AppError> = loop {};
                return output;
            }
            let _ = (&request,);
            Ok(route(request).await?)
        },
    );
    ::timebox::__private::finish(__timebox_call).await
}
