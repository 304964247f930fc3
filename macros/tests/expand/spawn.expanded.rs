pub async fn fetch(url: String, retries: u32) -> Result<Body, timebox::Error> {
    let __timebox_call = ::timebox::__private::run(
        ::timebox::__private::Spec::new(
            {
                static SITE: ::timebox::__private::Site = ::timebox::__private::Site::new(
                    "fetch",
                    ::core::module_path!(),
                    ::core::file!(),
                    ::core::line!(),
                );
                &SITE
            },
            ::timebox::__private::Duration::from_secs(1),
        ),
        async move {
            #[allow(unreachable_code)]
            if false {
                let output: Result<Body, timebox::Error> = loop {};
                return output;
            }
            let _ = (&url, &retries);
            let body = get(&url, retries).await?;
            Ok(body)
        },
    );
    ::timebox::__private::finish(__timebox_call).await
}
