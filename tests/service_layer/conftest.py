from service_layer.fake_world import world  # noqa: F401
