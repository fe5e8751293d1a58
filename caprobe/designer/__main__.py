"""``python -m caprobe.designer`` prints the folder for PYQTDESIGNERPATH."""
from caprobe.designer import plugin_dir

print(plugin_dir())
