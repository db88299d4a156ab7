from ninja import Router

router = Router(tags=["email campaigns"])
