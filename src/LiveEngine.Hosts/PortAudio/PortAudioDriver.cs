using System.Runtime.InteropServices;
using LiveEngine.Hosts.Drivers;
using LiveEngine.Live;

namespace LiveEngine.Hosts.PortAudio;

/// <summary>An output device PortAudio offers.</summary>
public sealed record PortAudioDevice(int Index, string Name, string HostApi, int MaxOutputChannels, double DefaultSampleRate, bool IsDefault);

/// <summary>
/// Plays a <see cref="LiveRenderer"/> through PortAudio: a host API chosen by name (ALSA, JACK, …), a device by
/// name or the API's default, non-interleaved float32. The stream callback allocates nothing after the thread's
/// warm-up and lets no exception escape; output underflows count as xruns.
/// </summary>
public sealed unsafe class PortAudioDriver : IAudioDriver
{
    private static int s_initialised;

    private readonly LiveRenderer _renderer;
    private GCHandle _self;
    private nint _stream;
    private long _callbackErrors;

    private PortAudioDriver(LiveRenderer renderer, BlockTimeStats stats)
    {
        _renderer = renderer;
        Stats = stats;
    }

    public BlockTimeStats Stats { get; }

    public string Name => $"portaudio ({DeviceName})";

    public int SampleRate { get; private init; }

    public int BufferFrames { get; private init; }

    /// <summary>PortAudio reports no server going away to the callback; a stream that stops simply stops calling.</summary>
    public bool IsShutDown => false;

    public string DeviceName { get; private set; } = "";

    public long CallbackErrors => Interlocked.Read(ref _callbackErrors);

    /// <summary>Every output device, by host API. Initialises PortAudio once per process (ALSA's printing silenced).</summary>
    public static IReadOnlyList<PortAudioDevice> Devices()
    {
        Initialise();
        var devices = new List<PortAudioDevice>();
        int count = PortAudioNative.Pa_GetDeviceCount();
        for (int d = 0; d < count; d++)
        {
            PortAudioNative.DeviceInfo* info = PortAudioNative.Pa_GetDeviceInfo(d);
            if (info is null || info->MaxOutputChannels <= 0)
            {
                continue;
            }

            PortAudioNative.HostApiInfo* api = PortAudioNative.Pa_GetHostApiInfo(info->HostApi);
            devices.Add(new PortAudioDevice(
                d,
                Marshal.PtrToStringUTF8(info->Name) ?? "?",
                api is null ? "?" : Marshal.PtrToStringUTF8(api->Name) ?? "?",
                info->MaxOutputChannels,
                info->DefaultSampleRate,
                api is not null && api->DefaultOutputDevice == d));
        }

        return devices;
    }

    /// <summary>
    /// PortAudio's default output device (that of its default host API: ALSA on Linux, where the ALSA default PCM
    /// may lead to PulseAudio or PipeWire), or null if there is none with at least <paramref name="channels"/>
    /// channels. Throws <see cref="DllNotFoundException"/> or <see cref="InvalidOperationException"/> if PortAudio
    /// is missing or fails to initialise.
    /// </summary>
    public static PortAudioDevice? DefaultOutputDevice(int channels)
    {
        Initialise();
        int index = PortAudioNative.Pa_GetDefaultOutputDevice();
        if (index == PortAudioNative.NoDevice)
        {
            return null;
        }

        return Devices().FirstOrDefault(d => d.Index == index && d.MaxOutputChannels >= channels);
    }

    /// <summary>
    /// Opens and starts an output stream. <paramref name="hostApi"/> picks the host API by (part of) its name, e.g.
    /// "JACK" or "ALSA"; <paramref name="device"/> a device by (part of) its name; null means the default.
    /// </summary>
    /// <param name="renderer">The session's audio side.</param>
    /// <param name="sampleRate">The session's sample rate.</param>
    /// <param name="framesPerBuffer">Frames per callback.</param>
    /// <param name="hostApi">Host API by (part of) its name; null: any.</param>
    /// <param name="device">Device by (part of) its name; null: the default.</param>
    /// <param name="stats">Where the measurements go (shared by drivers that replace one another); null: a new one.</param>
    public static PortAudioDriver Start(LiveRenderer renderer, int sampleRate, int framesPerBuffer, string? hostApi = null, string? device = null, BlockTimeStats? stats = null)
    {
        ArgumentNullException.ThrowIfNull(renderer);
        IReadOnlyList<PortAudioDevice> devices = Devices();
        PortAudioDevice? chosen = devices
            .Where(d => hostApi is null || d.HostApi.Contains(hostApi, StringComparison.OrdinalIgnoreCase))
            .Where(d => device is null || d.Name.Contains(device, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(d => d.IsDefault)
            .FirstOrDefault(d => d.MaxOutputChannels >= renderer.OutputChannels);
        if (chosen is null)
        {
            string known = devices.Count == 0 ? "none" : string.Join("; ", devices.Select(d => $"{d.HostApi}: {d.Name} ({d.MaxOutputChannels} ch)"));
            throw new InvalidOperationException($"No PortAudio output device{(hostApi is null ? "" : $" of host API '{hostApi}'")}{(device is null ? "" : $" named '{device}'")} with {renderer.OutputChannels} channels. Devices: {known}.");
        }

        // Compile the render path now, not in the first real-time callbacks.
        renderer.WarmUp();
        stats ??= new BlockTimeStats();
        stats.SampleRate = sampleRate;
        stats.AttachThread();
        var driver = new PortAudioDriver(renderer, stats) { DeviceName = $"{chosen.HostApi}: {chosen.Name}", SampleRate = sampleRate, BufferFrames = framesPerBuffer };
        driver._self = GCHandle.Alloc(driver);
        var parameters = new PortAudioNative.StreamParameters
        {
            Device = chosen.Index,
            ChannelCount = renderer.OutputChannels,
            SampleFormat = PortAudioNative.Float32 | PortAudioNative.NonInterleaved,
            SuggestedLatency = PortAudioNative.Pa_GetDeviceInfo(chosen.Index)->DefaultLowOutputLatency,
        };
        int error = PortAudioNative.Pa_OpenStream(out driver._stream, null, &parameters, sampleRate, (nuint)framesPerBuffer, 0, &OnStream, GCHandle.ToIntPtr(driver._self));
        if (error == 0)
        {
            error = PortAudioNative.Pa_StartStream(driver._stream);
        }

        if (error != 0)
        {
            driver.Dispose();
            throw new InvalidOperationException($"PortAudio could not open {driver.DeviceName} at {sampleRate} Hz: {PortAudioNative.ErrorText(error)}.");
        }

        return driver;
    }

    public void Dispose()
    {
        if (_stream != 0)
        {
            PortAudioNative.Pa_StopStream(_stream);
            PortAudioNative.Pa_CloseStream(_stream);
            _stream = 0;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    private static void Initialise()
    {
        if (Interlocked.Exchange(ref s_initialised, 1) == 1)
        {
            return;
        }

        try
        {
            PortAudioNative.snd_lib_error_set_handler(&DiscardAlsaError);
        }
        catch (DllNotFoundException)
        {
            // No ALSA library: nothing to silence.
        }

        int error = PortAudioNative.Pa_Initialize();
        if (error != 0)
        {
            s_initialised = 0;
            throw new InvalidOperationException($"PortAudio failed to initialise: {PortAudioNative.ErrorText(error)}.");
        }
    }

    [UnmanagedCallersOnly]
    private static void DiscardAlsaError(nint file, int line, nint function, int error, nint format)
    {
    }

    /// <summary>PortAudio's stream callback, on its audio thread. Never throws into native code.</summary>
    [UnmanagedCallersOnly]
    private static int OnStream(void* input, void* output, nuint frames, void* timeInfo, nuint statusFlags, nint userData)
    {
        var driver = (PortAudioDriver)GCHandle.FromIntPtr(userData).Target!;
        try
        {
            if ((statusFlags & (nuint)PortAudioNative.OutputUnderflowOrOverflow) != 0)
            {
                driver.Stats.RecordXrun(XrunSource.Server, driver._renderer.Position);
            }

            RendererPump.Pump(driver._renderer, (float**)output, (int)frames, driver.Stats);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref driver._callbackErrors);
        }

        return PortAudioNative.Continue;
    }

}
