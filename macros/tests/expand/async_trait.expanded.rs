#[allow(
    elided_named_lifetimes,
    clippy::async_yields_async,
    clippy::diverging_sub_expression,
    clippy::let_unit_value,
    clippy::needless_arbitrary_self_type,
    clippy::no_effect_underscore_binding,
    clippy::shadow_same,
    clippy::type_complexity,
    clippy::type_repetition_in_bounds,
    clippy::used_underscore_binding
)]
fn get<'life0, 'life1, 'async_trait>(
    &'life0 self,
    key: &'life1 str,
) -> ::core::pin::Pin<
    Box<
        dyn ::core::future::Future<
            Output = Result<u32, timebox::Error>,
        > + ::core::marker::Send + 'async_trait,
    >,
>
where
    'life0: 'async_trait,
    'life1: 'async_trait,
    Self: 'async_trait,
{
    Box::pin(async move {
        let __timebox_call = ::timebox::__private::run_inline(
            ::timebox::__private::Spec::new(
                {
                    static SITE: ::timebox::__private::Site = ::timebox::__private::Site::new(
                        "get",
                        ::core::module_path!(),
                        ::core::file!(),
                        ::core::line!(),
                    );
                    &SITE
                },
                ::timebox::__private::Duration::from_millis(50),
            ),
            async move {
                #[allow(unreachable_code)]
                if false {
                    let output: Result<u32, timebox::Error> = loop {};
                    return output;
                }
                if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<
                    Result<u32, timebox::Error>,
                > {
                    #[allow(unreachable_code)] return __ret;
                }
                let __self = self;
                let __ret: Result<u32, timebox::Error> = {
                    Ok(__self.base + key.len() as u32)
                };
                #[allow(unreachable_code)] __ret
            },
        );
        ::timebox::__private::finish(__timebox_call).await
    })
}
#[allow(
    elided_named_lifetimes,
    clippy::async_yields_async,
    clippy::diverging_sub_expression,
    clippy::let_unit_value,
    clippy::needless_arbitrary_self_type,
    clippy::no_effect_underscore_binding,
    clippy::shadow_same,
    clippy::type_complexity,
    clippy::type_repetition_in_bounds,
    clippy::used_underscore_binding
)]
fn shared<'async_trait>(
    self: Arc<Self>,
    __arg1: (u32, u32),
) -> ::core::pin::Pin<
    Box<
        dyn ::core::future::Future<
            Output = Result<u32, timebox::Error>,
        > + ::core::marker::Send + 'async_trait,
    >,
>
where
    Self: 'async_trait,
{
    Box::pin(async move {
        let __timebox_call = ::timebox::__private::run(
            ::timebox::__private::Spec::new(
                {
                    static SITE: ::timebox::__private::Site = ::timebox::__private::Site::new(
                        "shared",
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
                    let output: Result<u32, timebox::Error> = loop {};
                    return output;
                }
                if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<
                    Result<u32, timebox::Error>,
                > {
                    #[allow(unreachable_code)] return __ret;
                }
                let __self = self;
                let (a, b) = {
                    let __arg1 = __arg1;
                    __arg1
                };
                let __ret: Result<u32, timebox::Error> = { Ok(__self.base + a + b) };
                #[allow(unreachable_code)] __ret
            },
        );
        ::timebox::__private::finish(__timebox_call).await
    })
}
