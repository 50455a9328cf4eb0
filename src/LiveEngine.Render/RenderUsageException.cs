namespace LiveEngine.Render;

/// <summary>A mistake in how <c>liveengine-render</c> was called: printed as one line after "error: ", exit code 2.</summary>
internal sealed class RenderUsageException(string message) : Exception(message);
