"""A shopper edits the saved cart the way people do: add, change a quantity, remove a line, add it back.
Each step answers 200 with the cart as it now is (the fuzzer found a quantity change answering 500)."""

from tests.helpers import API


def cart_lines(resp) -> list[tuple[str, int]]:
    assert resp.status_code == 200, resp.json
    return [(line["name"], line["quantity"]) for line in resp.json["items"]]


def test_shopper_adds_changes_removes_and_re_adds_cart_lines(client, shop):
    veg, fish = shop.stands
    url = f"{API}/markets/{shop.market.id}/cart"

    def put(*lines):
        items = [{"product_id": stand.product.id, "quantity": quantity} for stand, quantity in lines]
        return client.put(url, json={"items": items}, headers=shop.headers)

    assert cart_lines(put((veg, 1))) == [("배추", 1)]
    assert cart_lines(put((veg, 3))) == [("배추", 3)]
    assert cart_lines(put((veg, 3), (fish, 1))) == [("배추", 3), ("고등어", 1)]
    assert cart_lines(put((fish, 2), (veg, 1))) == [("고등어", 2), ("배추", 1)]
    assert cart_lines(put((fish, 2))) == [("고등어", 2)]
    assert cart_lines(put((fish, 2), (veg, 5))) == [("고등어", 2), ("배추", 5)]
    assert cart_lines(put()) == []
    assert cart_lines(put((veg, 2))) == [("배추", 2)]
    assert cart_lines(client.get(url, headers=shop.headers)) == [("배추", 2)]
