using System.Runtime.InteropServices;

namespace LiveEngine.Hosts.PortAudio;

/// <summary>
/// The part of PortAudio's C API (portaudio.h v19, libportaudio.so.2) the driver uses, bound by hand; plus ALSA's
/// error-handler hook, so that ALSA's probing of absent devices does not print over a REPL.
/// </summary>
internal static unsafe partial class PortAudioNative
{
    private const string Library = "libportaudio.so.2";

    /// <summary>PaSampleFormat: paFloat32.</summary>
    public const ulong Float32 = 0x00000001;

    /// <summary>PaSampleFormat: paNonInterleaved (one buffer per channel).</summary>
    public const ulong NonInterleaved = 0x80000000;

    /// <summary>PaStreamCallbackFlags: paOutputUnderflow, paOutputOverflow.</summary>
    public const ulong OutputUnderflowOrOverflow = 0x00000004 | 0x00000008;

    /// <summary>paContinue.</summary>
    public const int Continue = 0;

    /// <summary>paNoDevice.</summary>
    public const int NoDevice = -1;

    [StructLayout(LayoutKind.Sequential)]
    public struct HostApiInfo
    {
        public int StructVersion;
        public int Type;
        public nint Name;
        public int DeviceCount;
        public int DefaultInputDevice;
        public int DefaultOutputDevice;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct DeviceInfo
    {
        public int StructVersion;
        public nint Name;
        public int HostApi;
        public int MaxInputChannels;
        public int MaxOutputChannels;
        public double DefaultLowInputLatency;
        public double DefaultLowOutputLatency;
        public double DefaultHighInputLatency;
        public double DefaultHighOutputLatency;
        public double DefaultSampleRate;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StreamParameters
    {
        public int Device;
        public int ChannelCount;
        public ulong SampleFormat;
        public double SuggestedLatency;
        public nint HostApiSpecificStreamInfo;
    }

    [LibraryImport(Library)]
    public static partial int Pa_Initialize();

    [LibraryImport(Library)]
    public static partial int Pa_Terminate();

    [LibraryImport(Library)]
    public static partial nint Pa_GetErrorText(int error);

    [LibraryImport(Library)]
    public static partial int Pa_GetHostApiCount();

    [LibraryImport(Library)]
    public static partial HostApiInfo* Pa_GetHostApiInfo(int hostApi);

    [LibraryImport(Library)]
    public static partial int Pa_GetDeviceCount();

    [LibraryImport(Library)]
    public static partial DeviceInfo* Pa_GetDeviceInfo(int device);

    [LibraryImport(Library)]
    public static partial int Pa_GetDefaultOutputDevice();

    [LibraryImport(Library)]
    public static partial int Pa_OpenStream(
        out nint stream,
        StreamParameters* inputParameters,
        StreamParameters* outputParameters,
        double sampleRate,
        nuint framesPerBuffer,
        nuint streamFlags,
        delegate* unmanaged<void*, void*, nuint, void*, nuint, nint, int> callback,
        nint userData);

    [LibraryImport(Library)]
    public static partial int Pa_StartStream(nint stream);

    [LibraryImport(Library)]
    public static partial int Pa_StopStream(nint stream);

    [LibraryImport(Library)]
    public static partial int Pa_CloseStream(nint stream);

    // alsa/error.h: snd_lib_error_set_handler(snd_lib_error_handler_t). The handler is variadic; one that reads
    // none of its arguments may be declared with the fixed ones only.
    [LibraryImport("libasound.so.2")]
    public static partial int snd_lib_error_set_handler(delegate* unmanaged<nint, int, nint, int, nint, void> handler);

    public static string ErrorText(int error) => Marshal.PtrToStringUTF8(Pa_GetErrorText(error)) ?? $"PortAudio error {error}";
}
