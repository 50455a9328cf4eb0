namespace LiveEngine.Dsp.Convolution;

/// <summary>How a <see cref="PartitionedConvolver"/> cuts its impulse response.</summary>
public enum ConvolutionScheme
{
    /// <summary>Zero latency: the first taps in direct form, then partitions growing fourfold, the large ones' work spread over blocks.</summary>
    NonUniform,

    /// <summary>One partition size throughout (overlap-save, frequency-domain delay line): latency of one partition.</summary>
    Uniform,
}
