using Cake.Core;

namespace Cake.Frosting;

public interface IFrostingSetup
{
    void Setup(ICakeContext context, ISetupContext info);
}

public interface IFrostingTeardown
{
    void Teardown(ICakeContext context, ITeardownContext info);
}

public interface IFrostingTaskSetup
{
    void Setup(ICakeContext context, ITaskSetupContext info);
}

public interface IFrostingTaskTeardown
{
    void Teardown(ICakeContext context, ITaskTeardownContext info);
}

/// <summary>Runs once before the first task and once after the last (also after a failure).</summary>
public abstract class FrostingLifetime<T> : IFrostingSetup, IFrostingTeardown
    where T : ICakeContext
{
    public abstract void Setup(T context, ISetupContext info);

    public abstract void Teardown(T context, ITeardownContext info);

    void IFrostingSetup.Setup(ICakeContext context, ISetupContext info) => Setup((T)context, info);

    void IFrostingTeardown.Teardown(ICakeContext context, ITeardownContext info) => Teardown((T)context, info);
}

/// <summary>Runs before and after every task.</summary>
public abstract class FrostingTaskLifetime<T> : IFrostingTaskSetup, IFrostingTaskTeardown
    where T : ICakeContext
{
    public abstract void Setup(T context, ITaskSetupContext info);

    public abstract void Teardown(T context, ITaskTeardownContext info);

    void IFrostingTaskSetup.Setup(ICakeContext context, ITaskSetupContext info) => Setup((T)context, info);

    void IFrostingTaskTeardown.Teardown(ICakeContext context, ITaskTeardownContext info) => Teardown((T)context, info);
}
