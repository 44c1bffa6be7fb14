from celery import shared_task

from recommend import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def suggest_task(request_id: int) -> None:
    """Compute a "dress me" request (routed to the `gpu` queue); idempotent through its claim."""
    services.suggestion_run(request_id=request_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def embed_name_task(garment_id: int) -> None:
    """Encode a garment's new name with the text encoder (routed to the `gpu` queue)."""
    services.garment_name_embed(garment_id=garment_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def trend_report_task(report_id: int) -> None:
    """Compute the stylists' trends (the `default` queue); idempotent through its claim."""
    from recommend import trends

    trends.trend_report_run(report_id=report_id)
