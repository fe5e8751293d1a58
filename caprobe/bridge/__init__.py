"""The only code that crosses threads: CA callbacks in, Qt signals out."""
from caprobe.bridge.channel import Channel
from caprobe.bridge.hub import ChannelHub, default_hub, is_read_only, set_read_only

__all__ = ["Channel", "ChannelHub", "default_hub", "is_read_only", "set_read_only"]
