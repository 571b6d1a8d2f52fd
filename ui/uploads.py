"""What the photo and video uploaders accept (one definition for every page)."""

# Extensions pose_core.decode_image reads (GIF: first frame).
IMAGE_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"]
# Per-photo upload size and pixel budget: ui.limits.current() (POSESCOPE_* variables).

# Containers the video pages' uploaders offer (PyAV reads them; pose_core.video decodes).
VIDEO_TYPES = ["mp4", "m4v", "mov", "webm", "mkv", "avi"]
