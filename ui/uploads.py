"""What the photo uploaders accept (one definition for every page)."""

# Extensions pose_core.decode_image reads (GIF: first frame).
IMAGE_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"]
# Per photo, in MB. The server-wide limit (.streamlit/config.toml) is higher, for videos.
PHOTO_UPLOAD_MB = 25
