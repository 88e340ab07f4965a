using Cake.Core;

namespace Cake.Frosting;

/// <summary>The context every task receives.</summary>
public interface IFrostingContext : ICakeContext;

/// <summary>The default context; derive from it to add typed build state.</summary>
public class FrostingContext(ICakeContext context) : CakeContextAdapter(context), IFrostingContext;
