from tests.support.synth import template_of


def test_business_outcomes_do_not_page_but_parked_orders_do():
    template = template_of("dev", "orders")
    patterns = [
        resource["Properties"]["FilterPattern"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Logs::MetricFilter"
    ]
    (pattern,) = [pattern for pattern in patterns if "ExecutionFailed" in pattern]
    for designed in ("InvalidOrder", "OutOfStock", "PaymentDeclined", "OrderRejected", "ApprovalTimedOut"):
        assert f'$.details.error != "{designed}"' in pattern
    for unexpected in ("OrderNeedsAttention", "OrderFailed", "OrderNotAccepted"):
        assert unexpected not in pattern
