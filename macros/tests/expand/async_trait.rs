// Methods of an `#[async_trait]` impl as async-trait 0.1.92 hands them to
// `#[timed]` (its expansion of `async fn get(&self, key: &str) -> R` and of
// `async fn shared(self: Arc<Self>, (a, b): (u32, u32)) -> R`, copied from
// the compiler's input to the attribute).

#[timed(ms = 50, inline)]
#[allow(elided_named_lifetimes, clippy::async_yields_async, clippy::diverging_sub_expression, clippy::let_unit_value, clippy::needless_arbitrary_self_type, clippy::no_effect_underscore_binding, clippy::shadow_same, clippy::type_complexity, clippy::type_repetition_in_bounds, clippy::used_underscore_binding)]
fn get<'life0, 'life1, 'async_trait>(
    &'life0 self,
    key: &'life1 str,
) -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u32, timebox::Error>> + ::core::marker::Send + 'async_trait>>
where
    'life0: 'async_trait,
    'life1: 'async_trait,
    Self: 'async_trait,
{
    Box::pin(async move {
        if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<Result<u32, timebox::Error>> {
            #[allow(unreachable_code)]
            return __ret;
        }
        let __self = self;
        let __ret: Result<u32, timebox::Error> = { Ok(__self.base + key.len() as u32) };
        #[allow(unreachable_code)]
        __ret
    })
}

#[timed(secs = 1)]
#[allow(elided_named_lifetimes, clippy::async_yields_async, clippy::diverging_sub_expression, clippy::let_unit_value, clippy::needless_arbitrary_self_type, clippy::no_effect_underscore_binding, clippy::shadow_same, clippy::type_complexity, clippy::type_repetition_in_bounds, clippy::used_underscore_binding)]
fn shared<'async_trait>(
    self: Arc<Self>,
    __arg1: (u32, u32),
) -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u32, timebox::Error>> + ::core::marker::Send + 'async_trait>>
where
    Self: 'async_trait,
{
    Box::pin(async move {
        if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<Result<u32, timebox::Error>> {
            #[allow(unreachable_code)]
            return __ret;
        }
        let __self = self;
        let (a, b) = {
            let __arg1 = __arg1;
            __arg1
        };
        let __ret: Result<u32, timebox::Error> = { Ok(__self.base + a + b) };
        #[allow(unreachable_code)]
        __ret
    })
}
