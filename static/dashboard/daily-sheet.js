// The stall's daily sheet, printable: GET /api/v1/stalls/{id}/daily-sheet?date=
(function () {
  "use strict";
  const D = window.Dash;
  const { $, el, won, count } = D;
  const params = new URLSearchParams(location.search);

  function render(s) {
    $("title").textContent = `${s.stall_name} 일일 장부 · ${s.date}`;
    $("handover").replaceChildren(...(s.to_hand_over.length ? s.to_hand_over.map((slot) => el("div", {},
      el("h3", {}, `${slot.label} · ${count(slot.orders.length, "건")}`),
      D.table([["주문"], ["상태"], ["품목"], ["금액", 1]], slot.orders.map((o) => [
        `#${o.order_id}`, D.STATUS[o.status] || o.status,
        o.items.map((i) => `${i.name} ${i.unit} × ${i.quantity}`).join(", ") + (o.note ? ` (메모: ${o.note})` : ""),
        won(o.subtotal)]))))
      : [el("p", {}, "넘겨줄 주문이 없습니다.")]));
    const y = s.yesterday;
    $("yesterday").replaceChildren(D.table([["구분"], ["금액", 1]], [
      ["날짜", y.date], ["판매 건수", count(y.sales, "건")], ["매출", won(y.gross)], ["환불", won(y.refunds)],
      ["순매출", won(y.net)], ["수수료", won(y.commission)], ["정산 받을 금액", won(y.payout)]]));
    $("payout").replaceChildren(el("p", { "data-figure": "expected_payout" },
      `${won(s.expected_payout.amount)} (전달 완료된 판매 ${count(s.expected_payout.sales, "건")}, 아직 정산 전)`));
  }

  async function load() {
    D.showError("");
    try {
      render(await D.api(`/stalls/${params.get("stall")}/daily-sheet`, { date: $("day").value }));
    } catch (error) { D.showError(error.message); }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("day").value = params.get("date") || "";
    $("show").addEventListener("click", load);
    $("print").addEventListener("click", () => window.print());
    D.setupSignIn(async () => { await load(); });
  });
})();
