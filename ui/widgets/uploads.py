"""What the uploaders accept (one definition for every page)."""

# Extensions pose_core.decode_image reads (GIF: first frame).
IMAGE_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"]
# Extensions of the containers pose_core.video opens (SUPPORTED_CONTAINERS names them);
# the file's content decides, the extension only filters the file picker.
VIDEO_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "avi"]
# Upload sizes and the pixel budget: ui.runtime.current().limits (POSESCOPE_* variables).
