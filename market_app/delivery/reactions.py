"""Who hears of a delivery: the shopper when their order is ready, out for delivery, delivered or failed; the
market's couriers when a delivery is ready for pickup; its admins when one failed; a pickup order's shopper when
the bag waits at the desk. One message per event (keyed), in Korean."""

from zoneinfo import ZoneInfo

import sqlalchemy as sa

from market_app.core.db import db
from market_app.delivery.models import Delivery, DeliveryStatus, Pickup, PickupStatus
from market_app.markets.models import Market, MemberRole, Membership
from market_app.notifications.services import Message, notify


def _staff(market_id: int, role: MemberRole) -> list[int]:
    return list(db.session.scalars(sa.select(Membership.user_id).filter_by(market_id=market_id, role=role)))


def _slot_text(delivery: Delivery) -> str:
    if delivery.slot_start is None:
        return ""
    zone = ZoneInfo(db.session.get(Market, delivery.market_id).timezone)
    start, end = delivery.slot_start.astimezone(zone), delivery.slot_end.astimezone(zone)
    return f"{start.month}월 {start.day}일 {start:%H:%M}-{end:%H:%M}"


def _data(delivery: Delivery) -> dict:
    return {"delivery_id": delivery.id, "order_id": delivery.order_id, "market_id": delivery.market_id}


def on_delivery_ready(delivery: Delivery, **_kwargs) -> None:
    slot = _slot_text(delivery)
    notify([delivery.order.user_id], Message(
        kind="delivery_ready", key=f"delivery_ready:{delivery.id}", title=f"주문 #{delivery.order_id} 준비 완료",
        body=f"모든 가게가 상품을 준비했습니다. {slot} 배송 예정입니다.".replace("  ", " "), data=_data(delivery)))
    # The couriers hear again when a re-slot puts the ready bag back in line (the key names the move, so once per
    # re-slot, even back to a slot it had before); the shopper's key stays one per delivery.
    notify(_staff(delivery.market_id, MemberRole.COURIER), Message(
        kind="delivery_ready_for_pickup", key=f"delivery_ready_for_pickup:{delivery.id}:{len(delivery.events)}",
        title=f"픽업 대기: 배송 #{delivery.id}",
        body=f"{slot} 배송, {delivery.address}. 배송 데스크에서 가져가세요.", data=_data(delivery)))


_SHOPPER_MESSAGES = {
    DeliveryStatus.PICKED_UP: ("delivery_out", "배송 출발", "배송기사가 주문 #{order} 상품을 가지고 출발했습니다."),
    DeliveryStatus.DELIVERED: ("delivery_delivered", "배송 완료", "주문 #{order} 상품이 배송되었습니다. 감사합니다."),
    DeliveryStatus.FAILED: ("delivery_failed", "배송 실패",
                            "주문 #{order} 배송을 완료하지 못했습니다 ({reason}). 시장 상인회가 곧 연락드립니다."),
}


def on_delivery_moved(delivery: Delivery, to_status: DeliveryStatus, note: str | None = None,
                      from_status: DeliveryStatus | None = None, **_kwargs) -> None:
    if to_status == DeliveryStatus.REQUESTED and from_status is not None:  # a re-slot (from None: just opened)
        notify([delivery.order.user_id], Message(
            kind="delivery_rescheduled", key=f"delivery_rescheduled:{delivery.id}:{len(delivery.events)}",
            title=f"배송 시간 변경 (주문 #{delivery.order_id})",
            body=f"주문 #{delivery.order_id} 상품을 {_slot_text(delivery)}에 다시 배송합니다.", data=_data(delivery)))
        return
    message = _SHOPPER_MESSAGES.get(to_status)
    if message is None:
        return
    kind, title, body = message
    # A delivery may go out (and fail) again after a re-slot: each move is told once.
    key = f"{kind}:{delivery.id}:{len(delivery.events)}"
    text = body.format(order=delivery.order_id, reason=note or "사유 미기재")
    notify([delivery.order.user_id], Message(kind=kind, key=key, title=f"{title} (주문 #{delivery.order_id})",
                                             body=text, data=_data(delivery)))
    if to_status == DeliveryStatus.FAILED:
        notify(_staff(delivery.market_id, MemberRole.ADMIN), Message(
            kind="delivery_failed_admin", key=key, title=f"배송 실패: 배송 #{delivery.id}",
            body=f"사유: {note or '사유 미기재'}. 다른 시간대로 다시 배정하거나 취소(전액 환불)해 주세요.",
            data=_data(delivery)))


def on_pickup_moved(pickup: Pickup, to_status: PickupStatus, **_kwargs) -> None:
    if to_status != PickupStatus.READY:
        return
    notify([pickup.order.user_id], Message(
        kind="pickup_ready", key=f"pickup_ready:{pickup.id}", title=f"주문 #{pickup.order_id} 준비 완료",
        body="모든 상품이 시장 배송 데스크에 도착했습니다. 찾아가세요.",
        data={"pickup_id": pickup.id, "order_id": pickup.order_id, "market_id": pickup.market_id}))
